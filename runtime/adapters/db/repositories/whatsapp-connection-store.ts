// The `Whatsapps` rows the baileys driver runs: which connections to start, their status, and
// each status change (parameterized; a change returns the row as the frontend knows it).
import { QueryTypes, type Sequelize } from "sequelize";
import type {
  SessionRow,
  StatusPatch,
  WhatsappConnectionStore,
} from "../../../services/ports/whatsapp-connection-store";

// Live connections someone wants running: not DISCONNECTED (a logged-out or stopped connection
// waits until the frontend asks for a new QR code by setting it OPENING).
const CANDIDATES = `
SELECT id, "companyId" FROM "Whatsapps"
 WHERE "deletedAt" IS NULL AND status <> 'DISCONNECTED'
 ORDER BY id`;

export class SequelizeWhatsappConnectionStore implements WhatsappConnectionStore {
  constructor(private readonly sequelize: Sequelize) {}

  candidates(): Promise<{ id: number; companyId: number }[]> {
    return this.sequelize.query<{ id: number; companyId: number }>(CANDIDATES, {
      type: QueryTypes.SELECT,
    });
  }

  async status(connectionId: number): Promise<string | undefined> {
    const rows = await this.sequelize.query<{ status: string }>(
      'SELECT status FROM "Whatsapps" WHERE id = $1 AND "deletedAt" IS NULL',
      { bind: [connectionId], type: QueryTypes.SELECT },
    );
    return rows[0]?.status;
  }

  async writeStatus(connectionId: number, patch: StatusPatch): Promise<SessionRow | undefined> {
    const sets = ["status = $2", '"updatedAt" = now()'];
    const bind: unknown[] = [connectionId, patch.status];
    if (patch.qrcode !== undefined) {
      bind.push(patch.qrcode);
      sets.push(`qrcode = $${bind.length}`);
    }
    if (patch.retries !== undefined) {
      bind.push(patch.retries);
      sets.push(`retries = $${bind.length}`);
    }
    const rows = await this.sequelize.query<SessionRow>(
      `UPDATE "Whatsapps" SET ${sets.join(", ")} WHERE id = $1
       RETURNING id, name, status, qrcode, retries, "isDefault", "companyId", "updatedAt"`,
      { bind, type: QueryTypes.SELECT },
    );
    return rows[0];
  }
}
