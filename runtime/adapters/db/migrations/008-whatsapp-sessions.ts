// 008-whatsapp-sessions: the baileys driver's auth state, in Postgres instead of the original's
// `Whatsapps.session` column and session folders. "WhatsappSessions" holds one row per connection
// with its credentials; "WhatsappSessionKeys" the signal keys, one row per (type, id). Values are
// JSON written with baileys' BufferJSON replacer. Deleting a session row deletes its keys.
import { DataTypes, fn } from "sequelize";
import { addIndex, dropTables, foreignKey, type MigrationContext } from "./schema-helpers";

const { TEXT, STRING, DATE, INTEGER } = DataTypes;

export async function up(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  await qi.createTable(
    "WhatsappSessions",
    {
      whatsappId: { ...foreignKey("Whatsapps", "CASCADE"), primaryKey: true },
      companyId: foreignKey("Companies", "CASCADE"),
      /** AuthenticationCreds as BufferJSON text. */
      creds: { type: TEXT, allowNull: false },
      createdAt: { type: DATE, allowNull: false, defaultValue: fn("now") },
      updatedAt: { type: DATE, allowNull: false, defaultValue: fn("now") },
    },
    { transaction },
  );
  await addIndex(ctx, {
    table: "WhatsappSessions",
    name: "whatsapp_sessions_company_idx",
    fields: ["companyId"],
  });
  await qi.createTable(
    "WhatsappSessionKeys",
    {
      whatsappId: {
        type: INTEGER,
        allowNull: false,
        primaryKey: true,
        references: { model: "WhatsappSessions", key: "whatsappId" },
        onUpdate: "CASCADE",
        onDelete: "CASCADE",
      },
      /** The signal data type: pre-key, session, sender-key, app-state-sync-key, … */
      type: { type: STRING, allowNull: false, primaryKey: true },
      keyId: { type: STRING, allowNull: false, primaryKey: true },
      value: { type: TEXT, allowNull: false },
      updatedAt: { type: DATE, allowNull: false, defaultValue: fn("now") },
    },
    { transaction },
  );
}

export async function down(ctx: MigrationContext): Promise<void> {
  await dropTables(ctx, ["WhatsappSessionKeys", "WhatsappSessions"]);
}
