// What chatia's Node-RED nodes get from the runtime: it is put in Node-RED's settings under
// `chatia` (nodes read `RED.settings.chatia`), so that nodes stay thin adapters over services.
import type { Plan } from "../compile";
import type { MessageService } from "../services/message.service";
import type { Dispatcher } from "./dispatcher";

export const SETTINGS_KEY = "chatia";

export interface ChatiaNodeContext {
  readonly dispatcher: Dispatcher;
  /** The plan running now (it changes on hot reload). */
  plan(): Plan;
  /** Domain services, by name (added as the job slices land). */
  readonly services: ChatiaServices;
}

export interface ChatiaServices {
  /** Sends WhatsApp messages at most once per idempotency key and records them (`send whatsapp`). */
  readonly messages: MessageService;
}
