// Demo seed steps for what the company works with: kanban lanes, contacts, a contact list and a
// campaign programmed to start five minutes after `now`.
import { DEMO_TEXTS, fakePerson } from "./demo-data";
import { at, idsOf, insert, insertOne, MINUTE_MS, type SeedContext } from "./seed-context";

export const DEMO_CONTACTS = 200;
export const DEMO_LIST_ITEMS = 50;

/** Lanes [Novo, Em contato, Proposta], chained by nextLaneId; created last-first. */
export async function seedLanes(ctx: SeedContext, companyId: number): Promise<number[]> {
  const lastFirst = [
    {
      name: "Proposta",
      color: "#f57c00",
      timeLane: 0,
      greetingMessageLane: DEMO_TEXTS.laneProposal,
    },
    {
      name: "Em contato",
      color: "#0288d1",
      timeLane: 48,
      greetingMessageLane: DEMO_TEXTS.laneContact,
    },
    { name: "Novo", color: "#7b1fa2", timeLane: 24, greetingMessageLane: null },
  ];
  const laneIds: number[] = [];
  for (const lane of lastFirst) {
    const nextLaneId = laneIds[0] ?? null;
    laneIds.unshift(await insertOne(ctx, "Tags", { ...lane, kanban: 1, nextLaneId, companyId }));
  }
  return laneIds;
}

export async function seedContacts(ctx: SeedContext, companyId: number): Promise<number[]> {
  const rows = Array.from({ length: DEMO_CONTACTS }, (_, i) => ({ ...fakePerson(i), companyId }));
  return idsOf(await insert(ctx, "Contacts", rows));
}

export interface CampaignRefs {
  readonly companyId: number;
  readonly whatsappId: number;
  readonly adminId: number;
}

export async function seedCampaign(ctx: SeedContext, refs: CampaignRefs): Promise<void> {
  const { companyId } = refs;
  const contactListId = await insertOne(ctx, "ContactLists", {
    name: "Clientes Demo",
    companyId,
  });
  const items = Array.from({ length: DEMO_LIST_ITEMS }, (_, i) => ({
    ...fakePerson(i),
    isWhatsappValid: true,
    contactListId,
    companyId,
  }));
  await insert(ctx, "ContactListItems", items);
  const [message1, message2, message3] = DEMO_TEXTS.campaign;
  await insert(ctx, "Campaigns", [
    {
      name: "Boas-vindas Demo",
      status: "PROGRAMADA",
      scheduledAt: at(ctx, 5 * MINUTE_MS),
      message1,
      message2,
      message3,
      companyId,
      contactListId,
      whatsappId: refs.whatsappId,
      userId: refs.adminId,
    },
  ]);
}
