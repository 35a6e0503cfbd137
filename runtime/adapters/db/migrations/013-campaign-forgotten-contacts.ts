// 013-campaign-forgotten-contacts: contacts that left a running campaign's list after its
// snapshot. Each one takes its share off the campaign's progress count exactly once, whichever
// way it left: removed before its shipping was prepared (PrepareContact forgets it), or removed
// with its shipping (the delete cascades from ContactListItems; a trigger forgets it). Without
// the guard a page prepared twice counted a removed contact off twice, and a removed shipping
// never counted off at all, so its campaign stayed EM_ANDAMENTO.
import { DataTypes } from "sequelize";
import { dropTables, foreignKey, type MigrationContext } from "./schema-helpers";

const SHARDS = 16;

export async function up(ctx: MigrationContext): Promise<void> {
  const { queryInterface: qi, transaction } = ctx;
  await qi.createTable(
    "CampaignForgottenContacts",
    {
      campaignId: { ...foreignKey("Campaigns", "CASCADE"), primaryKey: true },
      /** The ContactListItems id it had (the item is gone). */
      contactId: { type: DataTypes.INTEGER, allowNull: false, primaryKey: true },
      createdAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
    },
    { transaction },
  );
  // A shipping deleted while its campaign runs (its list item was removed): forgotten once; if it
  // was not settled yet, its shard of the count goes down (nothing else will settle it now).
  await qi.sequelize.query(
    `CREATE FUNCTION campaign_shipping_forget() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF EXISTS (SELECT 1 FROM "Campaigns" WHERE id = OLD."campaignId" AND status = 'EM_ANDAMENTO') THEN
         INSERT INTO "CampaignForgottenContacts" ("campaignId", "contactId", "createdAt")
         VALUES (OLD."campaignId", OLD."contactId", now()) ON CONFLICT DO NOTHING;
         IF FOUND AND OLD."deliveredAt" IS NULL AND OLD."failedAt" IS NULL THEN
           UPDATE "CampaignProgress" SET "left" = GREATEST("left" - 1, 0)
            WHERE "campaignId" = OLD."campaignId" AND shard = OLD."contactId" % ${SHARDS};
         END IF;
       END IF;
       RETURN OLD;
     END $$`,
    { transaction },
  );
  await qi.sequelize.query(
    `CREATE TRIGGER campaign_shipping_forget AFTER DELETE ON "CampaignShipping"
     FOR EACH ROW EXECUTE FUNCTION campaign_shipping_forget()`,
    { transaction },
  );
}

export async function down(ctx: MigrationContext): Promise<void> {
  const { transaction } = ctx;
  await ctx.queryInterface.sequelize.query(
    `DROP TRIGGER campaign_shipping_forget ON "CampaignShipping"`,
    { transaction },
  );
  await ctx.queryInterface.sequelize.query(`DROP FUNCTION campaign_shipping_forget()`, {
    transaction,
  });
  await dropTables(ctx, ["CampaignForgottenContacts"]);
}
