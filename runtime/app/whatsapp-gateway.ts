// The WhatsApp driver of this deployment ($CHATIA_WHATSAPP_DRIVER): the simulated one (demo,
// tests) or baileys (production). Baileys is loaded only when chosen.
import type { Sequelize } from "../adapters/db";
import { SimulatedWhatsApp, type WhatsAppGateway } from "../adapters/whatsapp";
import type { QueueRuntime } from "../queues/queue-runtime";
import type { CompanyEvents } from "../services/events";

import type { WhatsAppDriverName } from "./whatsapp-drivers";

export { WHATSAPP_DRIVERS, type WhatsAppDriverName } from "./whatsapp-drivers";

export interface WhatsAppDriverConfig {
  readonly driver: WhatsAppDriverName;
  /** Whether this process opens connections (workers) or only routes sends to their owners (api). */
  readonly runConnections: boolean;
  /** Most connections one process runs (baileys). @defaultValue 50 */
  readonly maxConnections?: number;
}

export const SIMULATED_DRIVER: WhatsAppDriverConfig = { driver: "simulated", runConnections: true };

export async function createWhatsAppGateway(
  deps: {
    sequelize: Sequelize;
    queues: Pick<QueueRuntime, "prefix" | "redis">;
    events: CompanyEvents;
  },
  config: WhatsAppDriverConfig = SIMULATED_DRIVER,
): Promise<WhatsAppGateway> {
  const prefix = `${deps.queues.prefix}:chatia:`;
  if (config.driver === "simulated") return new SimulatedWhatsApp(deps.queues.redis, { prefix });
  // Loaded here, not at the top: baileys takes over a second to load and only this driver needs it.
  const { BaileysWhatsApp } = await import("../adapters/whatsapp/baileys-driver.js");
  return BaileysWhatsApp.start({
    sequelize: deps.sequelize,
    redis: deps.queues.redis,
    events: deps.events,
    prefix,
    runConnections: config.runConnections,
    ...(config.maxConnections === undefined ? {} : { maxConnections: config.maxConnections }),
  });
}
