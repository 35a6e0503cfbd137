// The SQL behind UserService. Parameterized; the idle-users UPDATE is shaped to the partial index
// users_online_updated_at_idx ("updatedAt" WHERE online), so its cost follows the online users.
import { QueryTypes, type Sequelize } from "sequelize";
import type { UserStore } from "../../../services/ports/user-store";

export class SequelizeUserStore implements UserStore {
  constructor(private readonly sequelize: Sequelize) {}

  async markOfflineSeenBefore(seenBefore: Date, now: Date): Promise<number> {
    const rows = await this.sequelize.query<{ id: number }>(
      `UPDATE "Users" SET online = false, "updatedAt" = $2
        WHERE online = true AND "updatedAt" < $1
        RETURNING id`,
      { bind: [seenBefore, now], type: QueryTypes.SELECT },
    );
    return rows.length;
  }
}
