// `find companies`: the companies a cron works for — active ones, optionally only those whose
// plan has a feature (e.g. useKanban) — in one query (TicketOpsService.findCompanies).
import type { Node, NodeAPI, NodeMessage } from "node-red";
import { ChatiaError } from "../../runtime/errors";
import type { PlanFeature } from "../../runtime/services/ports/board-store";
import { chatiaContext } from "../shared/chatia-context";
import type { SettingsOf } from "../shared/define-node";
import { registerNode } from "../shared/register-node";
import { runStep } from "../shared/ticket-input";
import { declaration } from "./find-companies.settings";

type FindCompaniesDef = SettingsOf<typeof declaration>;

const FEATURES = new Set(["useKanban", "useCampaigns", "useSchedules"]);

export = (RED: NodeAPI) => {
  function FindCompaniesNode(this: Node, config: FindCompaniesDef) {
    const { services } = chatiaContext(RED);
    const feature = config.feature || "";

    this.on("input", (msg: NodeMessage, send, done) => {
      runStep(
        this,
        msg,
        send,
        done,
        () => {
          if (feature !== "" && !FEATURES.has(feature))
            throw new ChatiaError(
              "CF_NODE_INPUT",
              `plan feature ${feature} is not useKanban, useCampaigns or useSchedules`,
            );
          return services.ticketOps.findCompanies({
            active: config.active !== false,
            ...(feature === "" ? {} : { feature: feature as PlanFeature }),
          });
        },
        (m, companies) => {
          m.payload = companies;
          return `${companies.length} companies`;
        },
      );
    });
  }
  registerNode(RED, declaration, FindCompaniesNode);
};
