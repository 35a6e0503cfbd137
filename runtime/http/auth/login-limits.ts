// The limits in front of every password check (the API's login, the admin form, the editor's
// login): failed attempts per client address, then per address and account, counted together
// for the three, so that one address cannot try many accounts and nobody can lock an account out
// from elsewhere; and a bound on the password checks running at once (bcrypt is CPU work, done in
// libuv's thread pool: passwords.ts), past which a login is refused with CF_AUTH_BUSY at once
// rather than queued behind the others.
import type { Request, RequestHandler, Response } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import { type RedisReply, RedisStore } from "rate-limit-redis";
import { ChatiaError } from "../../errors";
import { PASSWORD_CHECKS_AT_ONCE } from "./passwords";

export interface LoginLimitOptions {
  /** Failed logins allowed per client address and account within `loginWindowMs`. @defaultValue 10 */
  readonly loginMax?: number;
  /** Failed logins allowed per client address, whatever the account. @defaultValue 30 */
  readonly addressMax?: number;
  /** The window of both limits, ms. @defaultValue 900_000 (15 min) */
  readonly loginWindowMs?: number;
  /**
   * Where the counts are kept: in Redis, shared by every process answering logins (so an address
   * has one budget however many api processes there are), or, without it, in this process.
   */
  readonly counts?: LoginCounts;
}

/** A Redis for the counts: a command sender (ioredis' `call`) and the deployment's key prefix. */
export interface LoginCounts {
  sendCommand(command: string, ...args: string[]): Promise<unknown>;
  readonly prefix: string;
}

/** What a limited request is answered with (the route's own shape: JSON, a page). */
export type LimitedReply = (req: Request, res: Response, retryAfterSeconds?: number) => void;

/** Reads the account (email, user name) a login is for from the parsed body. */
export type AccountOf = (req: Request, res: Response) => string;

interface LoginRoute {
  readonly accountOf: AccountOf;
  readonly reply: LimitedReply;
}

const ROUTE = Symbol("chatia login route");
type Routed = Response & { [ROUTE]?: LoginRoute };

/**
 * The two limits, per address then per address and account, kept once for every login (the
 * API's, the admin form's, the editor's) and, with `counts`, across processes: an address has one
 * budget of failures whichever door of whichever process it knocks on. Successful logins are not
 * counted.
 */
export class LoginLimits {
  private readonly limiters: RequestHandler[];

  constructor(options: LoginLimitOptions = {}) {
    const common = {
      windowMs: options.loginWindowMs ?? 15 * 60_000,
      skipSuccessfulRequests: true,
      standardHeaders: "draft-8" as const,
      legacyHeaders: false,
      handler: (req: Request, res: Response) => routeOf(res).reply(req, res, retryAfter(req)),
    };
    const address = (req: Request) => ipKeyGenerator(req.ip ?? "");
    const { counts } = options;
    // One store per limiter: a store keeps one window's counts under its own prefix.
    const store = (name: string) =>
      counts && {
        store: new RedisStore({
          sendCommand: (command: string, ...args: string[]) =>
            counts.sendCommand(command, ...args) as Promise<RedisReply>,
          prefix: `${counts.prefix}:chatia:logins:${name}:`,
        }),
      };
    this.limiters = [
      rateLimit({
        ...common,
        ...store("address"),
        limit: options.addressMax ?? 30,
        keyGenerator: address,
      }),
      rateLimit({
        ...common,
        ...store("account"),
        limit: options.loginMax ?? 10,
        keyGenerator: (req, res) =>
          `${address(req)}|${routeOf(res).accountOf(req, res).trim().toLowerCase()}`,
      }),
    ];
  }

  /** The middleware in front of one login route: its account and its way of saying no. */
  guard(accountOf: AccountOf, reply: LimitedReply): RequestHandler[] {
    const route: LoginRoute = { accountOf, reply };
    const mark: RequestHandler = (_req, res, next) => {
      (res as Routed)[ROUTE] = route;
      next();
    };
    return [mark, ...this.limiters];
  }
}

function routeOf(res: Response): LoginRoute {
  const route = (res as Routed)[ROUTE];
  if (!route) throw new Error("LoginLimits' limiters used without guard()");
  return route;
}

function retryAfter(req: Request): number | undefined {
  const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  return resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : undefined;
}

/**
 * Runs at most `maxActive` password checks at once (by default PASSWORD_CHECKS_AT_ONCE), with at most `maxWaiting` more waiting for a
 * turn; any further one fails at once with CF_AUTH_BUSY (HTTP 503), so a login storm costs bounded
 * CPU and memory and other requests keep being served.
 */
export class PasswordGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly maxActive = PASSWORD_CHECKS_AT_ONCE,
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
