// The domain services the nodes use, built once per process.
import { type Sequelize, SequelizeMessageStore } from "../adapters/db";
import { SimulatedWhatsApp } from "../adapters/whatsapp";
import type { ChatiaServices } from "../flow-bridge/node-context";
import type { QueueRuntime } from "../queues/queue-runtime";
import { MessageService } from "../services/message.service";

export interface ServiceDependencies {
  readonly sequelize: Sequelize;
  readonly queues: QueueRuntime;
  /** Root of the companies' media files (`<mediaDir>/company<id>/…`). */
  readonly mediaDir: string;
}

export async function buildServices(
  deps: ServiceDependencies,
): Promise<ChatiaServices & { close(): Promise<void> }> {
  const gateway = new SimulatedWhatsApp(deps.queues.redis, {
    prefix: `${deps.queues.prefix}:chatia:`,
  });
  return {
    messages: new MessageService({
      store: new SequelizeMessageStore(deps.sequelize),
      gateway,
      mediaDir: deps.mediaDir,
    }),
    close: () => gateway.close(),
  };
}
