// bcrypt off the event loop: @node-rs/bcrypt (the version Node-RED itself uses) hashes and
// compares in libuv's thread pool, so a login storm costs CPU on those threads while the event
// loop goes on serving (bcryptjs computed on the calling thread in 100 ms slices: a few logins at
// once held every other request). It reads the original ChatIA's hashes ($2a$/$2b$, cost 10), so
// existing users keep their passwords, and writes $2y$, the same algorithm, which bcryptjs reads.
import { availableParallelism } from "node:os";
import { hash, verify } from "@node-rs/bcrypt";

/**
 * Password checks run at once: a core per check but one, at least 2, and always leaving one
 * thread of libuv's pool (4 unless UV_THREADPOOL_SIZE says otherwise) free for the file and DNS
 * work that shares it, so a login storm does not hold a Redis or Postgres reconnect's look-up.
 */
export const PASSWORD_CHECKS_AT_ONCE = Math.max(
  2,
  Math.min((Number(process.env.UV_THREADPOOL_SIZE) || 4) - 1, availableParallelism() - 1),
);

/** The bcrypt hash of `plain`, cost 10 (the original's). */
export const hashPassword = (plain: string): Promise<string> => hash(plain, 10);

/** Whether `plain` matches the bcrypt `stored` hash (a malformed hash does not match). */
export const passwordMatches = (plain: string, stored: string): Promise<boolean> =>
  verify(plain, stored);
