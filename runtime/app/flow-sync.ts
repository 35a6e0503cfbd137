// Deployed flows shared through Redis: the api process publishes what the editor deployed (and,
// at start, what flows/ holds); workers, possibly on other machines, load and follow it. The files
// stay the reviewable source; Redis only carries the running copy.
import { createHash } from "node:crypto";
import type { NodeRedNode } from "../adapters/node-red/flow-format";
import type { Redis } from "../adapters/redis";

interface Published {
  readonly rev: string;
  readonly flows: NodeRedNode[];
}

export class FlowSync {
  private subscriber?: Redis;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get key(): string {
    return `${this.prefix}:chatia:flows`;
  }

  /** Stores the flows and tells every subscribed worker; resolves to their revision. */
  async publish(flows: readonly NodeRedNode[]): Promise<string> {
    const text = JSON.stringify(flows);
    const rev = createHash("sha256").update(text).digest("hex").slice(0, 16);
    const current = await this.redis.hget(this.key, "rev");
    if (current === rev) return rev;
    await this.redis
      .multi()
      .hset(this.key, "rev", rev, "flows", text)
      .publish(this.key, rev)
      .exec();
    return rev;
  }

  /** The published flows, or undefined when none were published yet. */
  async load(): Promise<Published | undefined> {
    const [rev, text] = await this.redis.hmget(this.key, "rev", "flows");
    return rev && text ? { rev, flows: JSON.parse(text) as NodeRedNode[] } : undefined;
  }

  /** Calls `onChange` with each newly published set of flows; `onError` when one cannot be read. */
  async follow(
    onChange: (published: Published) => void,
    onError: (err: unknown) => void,
  ): Promise<void> {
    this.subscriber = this.redis.duplicate();
    await this.subscriber.subscribe(this.key);
    let last = (await this.load())?.rev;
    this.subscriber.on("message", (_channel: string, rev: string) => {
      if (rev === last) return;
      this.load().then((published) => {
        if (published && published.rev !== last) {
          last = published.rev;
          onChange(published);
        }
      }, onError);
    });
  }

  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
