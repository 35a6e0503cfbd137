// A Lua script run by its SHA1 (EVALSHA), loaded on first use and again after a server restart
// or SCRIPT FLUSH, so callers never send the script body on the hot path.
import { createHash } from "node:crypto";
import type { Redis } from "./connection";

export class LuaScript {
  readonly sha: string;

  /** `numberOfKeys` of the arguments to `run` are keys (for cluster routing and ACLs). */
  constructor(
    readonly source: string,
    readonly numberOfKeys: number,
  ) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  /** Runs the script on `redis` with `keys` then `args`; resolves to the script's reply. */
  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]) {
    if (keys.length !== this.numberOfKeys) {
      throw new TypeError(`script expects ${this.numberOfKeys} keys, got ${keys.length}`);
    }
    try {
      return await redis.evalsha(this.sha, this.numberOfKeys, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return await redis.eval(this.source, this.numberOfKeys, ...keys, ...args);
    }
  }
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith("NOSCRIPT");
}
