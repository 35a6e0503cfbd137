// The campaign the campaign benchmarks measure: a campaign world whose contact list holds
// `contacts` items written by one INSERT … SELECT (a 100,000-item list in seconds), and a campaign
// of that list scheduled now, "Olá {nome}".
import type { Sequelize } from "sequelize";
import {
  type CampaignWorld,
  createCampaign,
  createCampaignWorld,
  type WorldOptions,
} from "../test/helpers/campaigns";

export async function campaignOfContacts(
  sql: Sequelize,
  contacts: number,
  pacing?: WorldOptions["pacing"],
): Promise<{ world: CampaignWorld; id: number }> {
  const world = await createCampaignWorld(sql, { contacts: 0, pacing });
  await sql.query(
    `INSERT INTO "ContactListItems" (name, number, email, "contactListId", "companyId", "createdAt", "updatedAt")
     SELECT 'Contato ' || i, '5511' || lpad(i::text, 9, '0'), 'c' || i || '@example.com', $1, $2, now(), now()
       FROM generate_series(1, $3) i`,
    { bind: [world.listId, world.companyId, contacts] },
  );
  const id = await createCampaign(sql, world, { scheduledAt: new Date(), message1: "Olá {nome}" });
  return { world, id };
}
