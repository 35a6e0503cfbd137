export {
  assertSendable,
  CONNECTION_STATUSES,
  type ConnectionStatus,
  isValidJid,
  type OutgoingMedia,
  type OutgoingMessage,
  type SentMessage,
  toJid,
  type WhatsAppErrorCode,
  type WhatsAppGateway,
} from "../../services/ports/whatsapp-gateway";
export { SimulatedWhatsApp, type SimulatedWhatsAppOptions } from "./simulated-driver";
export {
  DEFAULT_BEHAVIOUR,
  type SimulatedBehaviour,
  type SimulatedFailure,
  type SimulatedSend,
} from "./simulated-world";
