// Deployed flows shared through Redis: the api process publishes what the editor deployed (and,
// at start, what flows/ holds); workers, possibly on other machines, load and follow it. The files
// stay the reviewable source; Redis only carries the running copy.
//
// A flow runs code on every worker (function nodes), so a worker runs only flows the api signed:
// an HMAC-SHA256 of the published text, keyed from NODE_RED_CREDENTIAL_SECRET, which every process
// of a deployment shares and Redis never sees. Whoever can write the Redis key but not that secret
// cannot make a worker run anything; the worker refuses, logs and keeps the flows it runs.
//
// Nor can they bring back an older set the api once signed (say, the flows before a fix): every
// publish carries a sequence number, signed with the flows and greater than any before it (the
// api's clock in ms, or one more than the set it replaces), and a worker refuses a set older than
// the newest it has seen, or than the newest the api recorded having published (in Postgres, out
// of Redis's reach), which a worker that has just started knows too.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { NodeRedNode } from "../adapters/node-red/flow-format";
import type { Redis } from "../adapters/redis";
import { ChatiaError } from "../errors";
import type { FlowPublications } from "../services/ports/flow-publications";

export interface Published {
  /** The flows' content hash: the same flows, the same rev. */
  readonly rev: string;
  /**
   * The publish's sequence number, greater than any before it: its time in ms since the epoch, or
   * one more than the set it replaced when the clock says less.
   */
  readonly seq: number;
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
  /**
   * The record of the newest set published, kept where Redis's writers cannot lower it: the api
   * raises it on each publish, workers refuse a set older than it. @defaultValue none (a worker
   * then knows only the sets it has seen itself)
   */
  readonly publications?: FlowPublications;
}

export class FlowSync {
  private subscriber?: Redis;
  private readonly key: Buffer;
  /** The greatest sequence number seen with a valid signature (published or loaded). */
  private newest = 0;

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
    const current = await this.read();
    const signed = current && this.verify(current) ? current.seq : 0;
    const recorded = (await this.options.publications?.newest(this.redisKey)) ?? 0;
    // Already there, unless it is an older set written back (older than one this process or, after
    // its restart, the record saw): publishing the same flows again (say, the operator reverts to
    // them) must reach workers that refused that copy.
    const floor = Math.max(this.newest, recorded);
    if (signed > 0 && signed >= floor && current?.text === text) return rev;
    const seq = Math.max(Date.now(), signed + 1, this.newest + 1, recorded + 1);
    this.newest = seq;
    await this.redis
      .multi()
      .hset(
        this.redisKey,
        "rev",
        rev,
        "seq",
        String(seq),
        "flows",
        text,
        "sig",
        this.sign(seq, text),
      )
      .publish(this.redisKey, String(seq))
      .exec();
    // After Redis has it: recorded first, a failed write to Redis would leave the set there older
    // than the record, refused by every worker that starts.
    await this.options.publications?.record(this.redisKey, seq);
    return rev;
  }

  /**
   * The published flows, or undefined when none were published yet. Throws CF_FLOW_SIGNATURE when
   * they carry no valid signature or are older than a set seen before, CF_FLOW_INVALID when they
   * fail the checks.
   */
  async load(): Promise<Published | undefined> {
    const found = await this.read();
    if (!found) return undefined;
    const { rev, seq, sig, text } = found;
    if (!sig || !this.verify(found))
      throw new ChatiaError(
        "CF_FLOW_SIGNATURE",
        `the flows published in Redis (${this.redisKey}, rev ${rev}) ${sig ? "have a bad signature" : "are not signed"}: refused; only the api process publishes flows, signed with a key from NODE_RED_CREDENTIAL_SECRET (every process must have the same)`,
      );
    if (seq < this.newest)
      throw new ChatiaError(
        "CF_FLOW_SIGNATURE",
        `the flows published in Redis (${this.redisKey}, rev ${rev}, published ${stamp(seq)}) are older than the flows this worker has seen (published ${stamp(this.newest)}): refused, as a set the api signed before and something wrote back; the api's next deploy replaces it`,
      );
    const recorded = (await this.options.publications?.newest(this.redisKey)) ?? 0;
    if (seq < recorded)
      throw new ChatiaError(
        "CF_FLOW_SIGNATURE",
        `the flows published in Redis (${this.redisKey}, rev ${rev}, published ${stamp(seq)}) are older than the newest the api recorded publishing (published ${stamp(recorded)}): refused, as a set the api signed before and something wrote back; restarting the api or its next deploy publishes the newest again`,
      );
    this.newest = seq;
    const flows = parseFlows(text, rev);
    const problems = (await this.options.check?.(flows)) ?? [];
    if (problems.length > 0)
      throw new ChatiaError(
        "CF_FLOW_INVALID",
        `the flows published in Redis (rev ${rev}) are refused: ${problems.join("; ")}`,
        { details: problems },
      );
    return { rev, seq, flows };
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
    // The set it runs (or refused at start). Each message is read afresh, the message itself
    // trusted for nothing; of loads that overlap, an older set settling last changes nothing.
    let running = this.newest;
    this.subscriber.on("message", () => {
      this.load().then((published) => {
        if (published && published.seq > running) {
          running = published.seq;
          onChange(published);
        }
      }, onError);
    });
  }

  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  private async read(): Promise<Stored | undefined> {
    const [rev, seq, text, sig] = await this.redis.hmget(
      this.redisKey,
      "rev",
      "seq",
      "flows",
      "sig",
    );
    if (!rev || !text) return undefined;
    return {
      rev,
      seq: /^[1-9][0-9]{0,15}$/.test(seq ?? "") ? Number(seq) : 0,
      text,
      sig: sig ?? null,
    };
  }

  /** The signature covers the sequence number and the flows: neither changes without the key. */
  private sign(seq: number, text: string): string {
    return createHmac("sha256", this.key).update(`${seq}\n${text}`).digest("hex");
  }

  private verify(stored: Stored): boolean {
    if (!stored.sig || stored.seq === 0) return false;
    const expected = Buffer.from(this.sign(stored.seq, stored.text), "hex");
    const given = Buffer.from(stored.sig, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** A sequence number as the publish time it stands for (the log would mask its digits as a phone). */
function stamp(seq: number): string {
  return new Date(seq).toISOString();
}

/** The published fields as Redis holds them; seq is 0 when missing or not a sequence number. */
interface Stored {
  readonly rev: string;
  readonly seq: number;
  readonly text: string;
  readonly sig: string | null;
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
