// `chatia-flow enqueue` with a queue or job name the shipped jobs.yaml does not have: told at once,
// with a did-you-mean and its code, before Redis is asked (no Redis answers on port 1 here).
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli";

const env = { REDIS_URL: "redis://127.0.0.1:1" };
const data = JSON.stringify({ whatsappId: 1, data: { number: "5511999990000", body: "x" } });

describe("chatia-flow enqueue with a name that is not in the manifest", () => {
  it("suggests the queue a typo was close to", () => {
    const result = runCli(["enqueue", "MessageQeue", "SendMessage", data], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'CF_JOB_UNKNOWN: there is no queue "MessageQeue" in the manifest; did you mean "MessageQueue"?\n',
    );
  });

  it("suggests the job of that queue a typo was close to", () => {
    const result = runCli(["enqueue", "MessageQueue", "SendMesage", data], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'CF_JOB_UNKNOWN: there is no job MessageQueue/SendMesage in the manifest; did you mean "SendMessage"?\n',
    );
  });

  it("lists the queues when no name is close", () => {
    const result = runCli(["enqueue", "Nothing", "SendMessage", data], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^CF_JOB_UNKNOWN: there is no queue "Nothing" in the manifest; its queues: MessageQueue, .*CampaignQueue/,
    );
  });
});
