// Deployed flows shared through Redis: the api process publishes what the editor deployed (and,
// at start, what flows/ holds); workers, possibly on other machines, load and follow it. The files
// stay the reviewable source; Redis only carries the running copy.
//
// A flow runs code on every worker (function nodes), so a worker runs only flows the api signed:
// an HMAC-SHA256 of the published text, keyed from NODE_RED_CREDENTIAL_SECRET, which every process
// of a deployment shares and Redis never sees. Whoever can write the Redis key but not that secret
// cannot make a worker run anything; the worker refuses, logs and keeps the flows it runs.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { NodeRedNode } from "../adapters/node-red/flow-format";
import type { Redis } from "../adapters/redis";
import { ChatiaError } from "../errors";

export interface Published {
  readonly rev: string;
  readonly flows: NodeRedNode[];
}

export interface FlowSyncOptions {
  /** The deployment's shared secret (NODE_RED_CREDENTIAL_SECRET); the signing key is derived from it. */
  readonly secret: string;
  /**
   * The checks a worker runs on signed flows before loading them (as a deploy's): problems, one a
   * line; any refuses the whole set. @defaultValue none
   */
  readonly check?: (flows: readonly NodeRedNode[]) => string[] | Promise<string[]>;
}

export class FlowSync {
  private subscriber?: Redis;
  private readonly key: Buffer;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: FlowSyncOptions,
  ) {
    // A key of its own, so that a signature reveals nothing usable against the credentials' encryption.
    this.key = createHmac("sha256", options.secret).update("chatia-flow: published flows").digest();
  }

  private get redisKey(): string {
    return `${this.prefix}:chatia:flows`;
  }

  /** Stores the flows, signed, and tells every subscribed worker; resolves to their revision. */
  async publish(flows: readonly NodeRedNode[]): Promise<string> {
    const text = JSON.stringify(flows);
    const rev = createHash("sha256").update(text).digest("hex").slice(0, 16);
    const [current, currentSig] = await this.redis.hmget(this.redisKey, "rev", "sig");
    const sig = this.sign(text);
    if (current === rev && currentSig === sig) return rev;
    await this.redis
      .multi()
      .hset(this.redisKey, "rev", rev, "flows", text, "sig", sig)
      .publish(this.redisKey, rev)
      .exec();
    return rev;
  }

  /**
   * The published flows, or undefined when none were published yet. Throws CF_FLOW_SIGNATURE when
   * they carry no valid signature, CF_FLOW_INVALID when they fail the checks.
   */
  async load(): Promise<Published | undefined> {
    const [rev, text, sig] = await this.redis.hmget(this.redisKey, "rev", "flows", "sig");
    if (!rev || !text) return undefined;
    if (!sig || !this.verify(text, sig))
      throw new ChatiaError(
        "CF_FLOW_SIGNATURE",
        `the flows published in Redis (${this.redisKey}, rev ${rev}) ${sig ? "have a bad signature" : "are not signed"}: refused; only the api process publishes flows, signed with a key from NODE_RED_CREDENTIAL_SECRET (every process must have the same)`,
      );
    const flows = parseFlows(text, rev);
    const problems = (await this.options.check?.(flows)) ?? [];
    if (problems.length > 0)
      throw new ChatiaError(
        "CF_FLOW_INVALID",
        `the flows published in Redis (rev ${rev}) are refused: ${problems.join("; ")}`,
        { details: problems },
      );
    return { rev, flows };
  }

  /**
   * Calls `onChange` with each newly published set of flows; `onError` when one cannot be read or
   * is refused (the worker keeps running what it has).
   */
  async follow(
    onChange: (published: Published) => void,
    onError: (err: unknown) => void,
  ): Promise<void> {
    this.subscriber = this.redis.duplicate();
    await this.subscriber.subscribe(this.redisKey);
    // The revision this worker runs (or refused) last: a repeat of it is no change.
    let last = (await this.redis.hget(this.redisKey, "rev")) ?? undefined;
    this.subscriber.on("message", (_channel: string, rev: string) => {
      if (rev === last) return;
      this.load().then(
        (published) => {
          if (published && published.rev !== last) {
            last = published.rev;
            onChange(published);
          }
        },
        (err: unknown) => {
          last = rev;
          onError(err);
        },
      );
    });
  }

  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  private sign(text: string): string {
    return createHmac("sha256", this.key).update(text).digest("hex");
  }

  private verify(text: string, sig: string): boolean {
    const expected = Buffer.from(this.sign(text), "hex");
    const given = Buffer.from(sig, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function parseFlows(text: string, rev: string): NodeRedNode[] {
  const flows: unknown = JSON.parse(text);
  if (!Array.isArray(flows))
    throw new ChatiaError(
      "CF_FLOW_INVALID",
      `the flows published in Redis (rev ${rev}) are not an array`,
    );
  return flows as NodeRedNode[];
}
