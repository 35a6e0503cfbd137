// FlowPublications (services/ports/flow-publications.ts) in Postgres: one row per Redis key,
// raised and never lowered, in one statement (concurrent api processes cannot lower it either).
import { QueryTypes, type Sequelize } from "sequelize";
import type { FlowPublications } from "../../../services/ports/flow-publications";

const RECORD = `
INSERT INTO "FlowPublications" (key, seq, "publishedAt") VALUES ($1, $2, now())
ON CONFLICT (key) DO UPDATE SET seq = EXCLUDED.seq, "publishedAt" = EXCLUDED."publishedAt"
 WHERE "FlowPublications".seq < EXCLUDED.seq`;

export class SequelizeFlowPublications implements FlowPublications {
  constructor(private readonly sequelize: Sequelize) {}

  async newest(key: string): Promise<number> {
    const [row] = await this.sequelize.query<{ seq: string }>(
      `SELECT seq FROM "FlowPublications" WHERE key = $1`,
      { bind: [key], type: QueryTypes.SELECT },
    );
    return row ? Number(row.seq) : 0;
  }

  async record(key: string, seq: number): Promise<void> {
    await this.sequelize.query(RECORD, { bind: [key, seq] });
  }
}
