// The WhatsApp driver of this deployment ($CHATIA_WHATSAPP_DRIVER): the simulated one (demo,
// tests) or baileys (production). Baileys is loaded only when chosen.
import type { Sequelize } from "../adapters/db";
import { SequelizeWhatsappConnectionStore } from "../adapters/db/repositories/whatsapp-connection-store";
import { SequelizeWhatsappSessionStore } from "../adapters/db/repositories/whatsapp-session-store";
import { createRedis, type Redis } from "../adapters/redis";
import { SimulatedWhatsApp, type WhatsAppGateway } from "../adapters/whatsapp";
import type { QueueRuntime } from "../queues/queue-runtime";
import type { CompanyEvents } from "../services/ports/events";

import type { WhatsAppDriverName } from "./whatsapp-drivers";

export { WHATSAPP_DRIVERS, type WhatsAppDriverName } from "./whatsapp-drivers";

export interface WhatsAppDriverConfig {
  readonly driver: WhatsAppDriverName;
  /** Whether this process opens connections (workers) or only routes sends to their owners (api). */
  readonly runConnections: boolean;
  /** Most connections one process runs (baileys). @defaultValue 50 */
  readonly maxConnections?: number;
  /**
   * The simulated driver's world (its record of sends, the connections' states) in a Redis of its
   * own, standing for WhatsApp's servers: a fault test can then break the queues' Redis without
   * losing or faking WhatsApp's side. @defaultValue the queues' Redis
   */
  readonly simulatedRedisUrl?: string;
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
  if (config.driver === "simulated") return simulatedWhatsApp(deps.queues.redis, prefix, config);
  // Loaded here, not at the top: baileys takes over a second to load and only this driver needs it.
  const { BaileysWhatsApp } = await import("../adapters/whatsapp/baileys-driver.js");
  return BaileysWhatsApp.start({
    connections: new SequelizeWhatsappConnectionStore(deps.sequelize),
    sessions: new SequelizeWhatsappSessionStore(deps.sequelize),
    redis: deps.queues.redis,
    events: deps.events,
    prefix,
    runConnections: config.runConnections,
    ...(config.maxConnections === undefined ? {} : { maxConnections: config.maxConnections }),
  });
}

/** The simulated driver, on the queues' Redis or on its own (closed with it). */
function simulatedWhatsApp(
  queuesRedis: Redis,
  prefix: string,
  config: WhatsAppDriverConfig,
): SimulatedWhatsApp {
  if (config.simulatedRedisUrl === undefined) return new SimulatedWhatsApp(queuesRedis, { prefix });
  const own = createRedis(config.simulatedRedisUrl, {
    connectionName: "chatia-flow:simulated-whatsapp",
    sentinel: null,
  });
  const gateway = new SimulatedWhatsApp(own, { prefix });
  const close = gateway.close.bind(gateway);
  gateway.close = async () => {
    await close();
    await own.quit().catch(() => own.disconnect());
  };
  return gateway;
}
