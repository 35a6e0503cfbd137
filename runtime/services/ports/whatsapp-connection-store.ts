// The connections (`Whatsapps` rows) a WhatsApp driver runs and keeps the status of
// (runtime/adapters/db/repositories/whatsapp-connection-store.ts keeps them in Postgres).
import type { ConnectionStatus } from "./whatsapp-gateway";

/** The columns a status change writes. */
export interface StatusPatch {
  readonly status: ConnectionStatus;
  readonly qrcode?: string;
  readonly retries?: number;
}

/** The session as emitted in `company-<id>-whatsappSession` `{action: "update", session}`. */
export interface SessionRow {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly qrcode: string | null;
  readonly retries: number;
  readonly isDefault: boolean;
  readonly companyId: number;
  readonly updatedAt: Date;
}

export interface WhatsappConnectionStore {
  /** Live connections someone wants running (not DISCONNECTED), in id order. */
  candidates(): Promise<{ id: number; companyId: number }[]>;
  /** The stored status of a live connection; undefined when it is gone. */
  status(connectionId: number): Promise<string | undefined>;
  /** Writes a status change; the row as it now is, or undefined when the connection is gone. */
  writeStatus(connectionId: number, patch: StatusPatch): Promise<SessionRow | undefined>;
}
