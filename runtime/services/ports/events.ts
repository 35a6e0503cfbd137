// Events for the frontend, by company. Every event is named as the original's
// (`company-<id>-<topic>`, e.g. `company-7-ticket`) and goes to that company's socket.io
// namespace (`/<id>`) only, from whichever process emits it.

/** Topics the runtime emits (the original's names); flows may emit others. */
export type CompanyTopic = "campaign" | "ticket" | "whatsappSession" | string;

export interface CompanyEvents {
  /**
   * Emits `company-<companyId>-<topic>` with `payload` to the company's namespace. The payload is
   * sent as JSON (dates become ISO strings, model instances their plain attributes). It does not
   * wait for delivery: events are a live view, the database is the record.
   */
  emit(companyId: number, topic: CompanyTopic, payload: unknown): void;
}

/** `company-<id>-<topic>`: the event name the original frontend listens to. */
export function companyEventName(companyId: number, topic: CompanyTopic): string {
  return `company-${companyId}-${topic}`;
}

/** The socket.io namespace of a company: `/<id>`. */
export function companyNamespace(companyId: number): string {
  return `/${companyId}`;
}

/** Plain JSON copy of a payload, as socket.io would send it from the emitting process. */
export function toEventPayload(payload: unknown): unknown {
  return payload === undefined ? undefined : JSON.parse(JSON.stringify(payload));
}
