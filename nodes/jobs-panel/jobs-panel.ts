// The editor's jobs tab, server side: a Node-RED plugin whose routes live under the editor's admin
// root, behind its login (the editor's bearer token; reading needs flows.read, acting flows.write),
// as the `job in` form's are. The editor's users are its operator and super-admins, who see every
// company's jobs, as in the editor itself. The work is done by runtime/flow-bridge/jobs-panel.ts.
import type { Request, Response } from "express";
import type { NodeAPI } from "node-red";
import type { ChatiaError } from "../../runtime/errors";
import type { JobsPanelApi } from "../../runtime/flow-bridge/node-context";
import { chatiaContext } from "../shared/chatia-context";

const STATUS: Partial<Record<string, number>> = {
  CF_API_NOT_FOUND: 404,
  CF_API_CONFLICT: 409,
  CF_JOB_BAD_PAYLOAD: 400,
  CF_JOB_UNKNOWN: 400,
  CF_JOB_NOT_HANDLED: 409,
};

type PluginAPI = NodeAPI & {
  plugins: { registerPlugin(id: string, definition: Record<string, unknown>): void };
};

export = (RED: PluginAPI) => {
  RED.plugins.registerPlugin("chatia-jobs-panel", { type: "chatia-jobs-panel" });
  const panel = (): JobsPanelApi => {
    const api = chatiaContext(RED).jobsPanel;
    if (!api) throw new Error("the jobs tab needs the chatia-flow runtime");
    return api;
  };
  const read = RED.auth.needsPermission("flows.read");
  const write = RED.auth.needsPermission("flows.write");
  const answer =
    (work: (p: JobsPanelApi, params: Record<string, string>, body: unknown) => Promise<unknown>) =>
    (req: Request, res: Response) => {
      work(panel(), req.params as Record<string, string>, req.body).then(
        (result) => res.json(result ?? { ok: true }),
        (err: unknown) => {
          // By code, not class: the runtime's errors may come from another copy of errors.ts
          // (tests run the runtime from its sources, Node-RED loads this file from dist/).
          const coded = err as Partial<ChatiaError> | null;
          const status = typeof coded?.code === "string" ? STATUS[coded.code] : undefined;
          if (status !== undefined) {
            res.status(status).json({
              code: coded?.code,
              message: coded?.message,
              details: coded?.details,
            });
            return;
          }
          RED.log.error(`jobs tab: ${err instanceof Error ? err.stack : String(err)}`);
          res
            .status(500)
            .json({ code: "CF_API_INTERNAL", message: "the jobs tab failed; see the log" });
        },
      );
    };
  const base = "/chatia/jobs-panel/:queue/:job";
  RED.httpAdmin.get(
    base,
    read,
    answer((p, { queue, job }) => p.overview(queue ?? "", job ?? "")),
  );
  RED.httpAdmin.get(
    `${base}/jobs/:id`,
    read,
    answer((p, { queue, job, id }) => p.job(queue ?? "", job ?? "", id ?? "")),
  );
  RED.httpAdmin.post(
    `${base}/jobs/:id/retry`,
    write,
    answer((p, { queue, job, id }) => p.retry(queue ?? "", job ?? "", id ?? "")),
  );
  RED.httpAdmin.post(
    `${base}/run`,
    write,
    answer((p, { queue, job }, body) =>
      p.run(queue ?? "", job ?? "", (body as { payload?: unknown } | undefined)?.payload),
    ),
  );
};
