// A second process for keyed-pacer.test.ts: connects on its own, says "ready", and on "go"
// reserves CF_PACER_COUNT slots at once, then reports them and exits.
import { createRedis } from "../../../runtime/adapters/redis/connection";
import {
  KeyedPacer,
  type PaceRule,
  type Reservation,
} from "../../../runtime/adapters/redis/keyed-pacer";

export type ChildMessage =
  | { readonly type: "ready"; readonly pid: number }
  | { readonly type: "done"; readonly reservations: Reservation[] }
  | { readonly type: "error"; readonly message: string };

function report(message: ChildMessage): void {
  process.send?.(message);
}

const env = process.env;
const redis = createRedis(env.REDIS_URL, { connectionName: "chatia-flow-test:child" });
const pacer = new KeyedPacer(redis, {
  prefix: env.CF_PACER_PREFIX ?? "",
  name: env.CF_PACER_NAME ?? "",
});
const rule = JSON.parse(env.CF_PACER_RULE ?? "{}") as PaceRule;
const count = Number(env.CF_PACER_COUNT);
const key = env.CF_PACER_KEY ?? "";

process.once("message", async () => {
  try {
    const all = Array.from({ length: count }, () => pacer.reservation(key, rule));
    report({ type: "done", reservations: await Promise.all(all) });
  } catch (err) {
    report({ type: "error", message: String(err) });
  } finally {
    await redis.quit();
    process.disconnect?.();
  }
});

redis.ping().then(() => report({ type: "ready", pid: process.pid }));
