// `job out`: settles the job a message belongs to (`msg.job`): completes it with a message
// property as its result, or, in fail mode (the end of a Catch path), fails it with the error.
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError, ERROR_CODES, isErrorCode } from "../../runtime/errors";
import type { JobInfo } from "../../runtime/flow-bridge/dispatcher";
import { atNode } from "../../runtime/flow-bridge/node-failure";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { registerNode } from "../shared/register-node";
import { messageProperty } from "../shared/typed-input";
import { declaration } from "./job-out.settings";

type JobOutDef = SettingsOf<typeof declaration>;

export = (RED: NodeAPI) => {
  function JobOutNode(this: Node, config: JobOutDef) {
    const { dispatcher } = chatiaContext(RED);
    const property = config.property || "payload";
    const failing = config.mode === "fail";
    this.on("input", (msg: NodeMessage & { job?: unknown }, _send, done) => {
      const job = msg.job;
      if (!isJobInfo(job)) {
        done(
          new Error(
            "msg.job is missing: this message does not come from a job in node (keep msg.job when a node builds a new message)",
          ),
        );
        return;
      }
      const settled = failing
        ? dispatcher.fail(job, failure(msg, config.retry !== false))
        : dispatcher.complete(
            job,
            property === "payload" ? msg.payload : messageProperty(RED, msg, property),
          );
      if (!settled)
        this.debug(`job ${job.queue}/${job.id} (attempt ${job.attempt}) was already settled`);
      done();
    });
  }
  registerNode(RED, declaration, JobOutNode);
};

/** The job's failure, from `msg.error` (as a Catch node sets it) or the payload. */
function failure(msg: NodeMessage & { error?: unknown }, retry: boolean): ChatiaError {
  const error = (msg.error ?? {}) as {
    message?: unknown;
    code?: unknown;
    source?: { id?: string; name?: string; type?: string };
  };
  // The node the Catch node heard from, in the form the editor's jobs tab reads back.
  const from = error.source;
  const source = from?.id ? ` ${atNode({ ...from, id: from.id })}` : "";
  const message =
    typeof error.message === "string" ? `${error.message}${source}` : "the flow failed the job";
  if (isErrorCode(error.code)) return new ChatiaError(error.code, message);
  return new ChatiaError("CF_FLOW_FAILED", message, {
    kind: retry ? "operational" : ERROR_CODES.CF_FLOW_FAILED.kind,
  });
}

function isJobInfo(value: unknown): value is JobInfo {
  const job = value as Partial<JobInfo> | undefined;
  return (
    typeof job?.queue === "string" && typeof job.id === "string" && typeof job.attempt === "number"
  );
}
