// The limits in front of every password check (the API's login, the admin form, the editor's
// login): failed attempts per client address, then per address and account, so that one address
// cannot try many accounts and nobody can lock an account out from elsewhere; and a bound on the
// password hashes computed at once (bcrypt is CPU work), past which a login is refused with
// CF_AUTH_BUSY at once rather than queued behind the others.
import type { Request, RequestHandler, Response } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import { ChatiaError } from "../../errors";

export interface LoginLimitOptions {
  /** Failed logins allowed per client address and account within `loginWindowMs`. @defaultValue 10 */
  readonly loginMax?: number;
  /** Failed logins allowed per client address, whatever the account. @defaultValue 30 */
  readonly addressMax?: number;
  /** The window of both limits, ms. @defaultValue 900_000 (15 min) */
  readonly loginWindowMs?: number;
}

/** What a limited request is answered with (the route's own shape: JSON, a page). */
export type LimitedReply = (req: Request, res: Response, retryAfterSeconds?: number) => void;

/**
 * The two limiters, per address then per address and account; `accountOf` reads the account
 * (email, user name) from the parsed body. Successful logins are not counted. Per process.
 */
export function loginLimiters(
  options: LoginLimitOptions,
  accountOf: (req: Request, res: Response) => string,
  reply: LimitedReply,
): RequestHandler[] {
  const common = {
    windowMs: options.loginWindowMs ?? 15 * 60_000,
    skipSuccessfulRequests: true,
    standardHeaders: "draft-8" as const,
    legacyHeaders: false,
    handler: (req: Request, res: Response) => reply(req, res, retryAfter(req)),
  };
  const address = (req: Request) => ipKeyGenerator(req.ip ?? "");
  return [
    rateLimit({ ...common, limit: options.addressMax ?? 30, keyGenerator: address }),
    rateLimit({
      ...common,
      limit: options.loginMax ?? 10,
      keyGenerator: (req, res) => `${address(req)}|${accountOf(req, res).trim().toLowerCase()}`,
    }),
  ];
}

function retryAfter(req: Request): number | undefined {
  const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  return resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : undefined;
}

/**
 * Runs at most `maxActive` password checks at once, with at most `maxWaiting` more waiting for a
 * turn; any further one fails at once with CF_AUTH_BUSY (HTTP 503), so a login storm costs bounded
 * CPU and memory and other requests keep being served.
 */
export class PasswordGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly maxActive = 4,
    private readonly maxWaiting = 16,
  ) {}

  async run<T>(check: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxWaiting)
        throw new ChatiaError(
          "CF_AUTH_BUSY",
          "too many logins are being checked right now; try again in a moment",
        );
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.active++;
    try {
      return await check();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** The process's one gate: every password check of the API, the admin form and the editor. */
export const passwordGate = new PasswordGate();
