// Test data for campaigns: a company with a connection, a contact list, its pacing settings and
// a campaign, written with SQL (as the ChatIA API would).
import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Sequelize } from "sequelize";
import { type RowValues, testRows } from "./rows";

let companies = 0;

export interface CampaignWorld {
  readonly companyId: number;
  readonly whatsappId: number;
  readonly listId: number;
  /** ContactListItems ids, in list order. */
  readonly itemIds: number[];
}

export interface WorldOptions {
  readonly contacts?: number;
  readonly pacing?: {
    messageInterval: number;
    longerIntervalAfter: number;
    greaterInterval: number;
  };
  readonly variables?: { key: string; value: string }[];
  /** The connection's status. @defaultValue "CONNECTED" */
  readonly status?: "CONNECTED" | "DISCONNECTED";
}

/** Numbers 55119<8 digits>, one per contact. */
export function contactNumber(i: number): string {
  return `55119${String(10_000_000 + i)}`;
}

export async function createCampaignWorld(
  sequelize: Sequelize,
  options: WorldOptions = {},
): Promise<CampaignWorld> {
  const rows = testRows(sequelize);
  const companyId = (await rows.insert("Companies", { name: `Empresa ${++companies}` })).id;
  const whatsappId = (
    await rows.insert("Whatsapps", {
      name: "W",
      companyId,
      status: options.status === "DISCONNECTED" ? "DISCONNECTED" : "CONNECTED",
      isDefault: true,
    })
  ).id;
  const listId = (await rows.insert("ContactLists", { name: "Lista", companyId })).id;
  const itemRows = Array.from({ length: options.contacts ?? 0 }, (_, i) => ({
    name: `Contato ${i}`,
    number: contactNumber(i),
    email: `c${i}@example.com`,
    contactListId: listId,
    companyId,
  }));
  const items = await rows.insertMany("ContactListItems", itemRows);
  const pacing = options.pacing ?? {
    messageInterval: 0,
    longerIntervalAfter: 0,
    greaterInterval: 0,
  };
  const settings = { ...pacing, variables: options.variables ?? [] };
  await rows.insertMany(
    "CampaignSettings",
    Object.entries(settings).map(([key, value]) => ({
      companyId,
      key,
      value: JSON.stringify(value),
    })),
  );
  return { companyId, whatsappId, listId, itemIds: items.map((i) => i.id) };
}

export async function createCampaign(
  sequelize: Sequelize,
  world: CampaignWorld,
  fields: RowValues = {},
): Promise<number> {
  const campaign = await testRows(sequelize).insert("Campaigns", {
    name: "Campanha",
    status: "PROGRAMADA",
    scheduledAt: new Date(),
    message1: "Olá {nome}",
    companyId: world.companyId,
    contactListId: world.listId,
    whatsappId: world.whatsappId,
    ...fields,
  });
  return campaign.id;
}

const MANIFEST = (concurrency: number) => `version: 1
description: CampaignQueue of jobs.yaml with the real flows; short backoffs, Verify only by hand.
queues:
  CampaignQueue:
    concurrency: ${concurrency}
    jobs:
      VerifyCampaignsDaatabase:
        flow: verify-campaigns
        cron: "0 0 0 1 1 *"
        tz: UTC
        removeOnComplete: true
      ProcessCampaign:
        flow: process-campaign
        payload: process-campaign.json
        priority: 3
        attempts: 3
        backoff: { type: fixed, delay: 200 }
        removeOnComplete: { age: 3600, count: 10 }
        removeOnFail: { age: 3600, count: 10 }
      PrepareContact:
        flow: prepare-contact
        payload: prepare-contact.json
        attempts: 3
        backoff: { type: fixed, delay: 200 }
        removeOnComplete: true
      DispatchCampaign:
        flow: dispatch-campaign
        payload: dispatch-campaign.json
        attempts: 3
        backoff: { type: fixed, delay: 300 }
        removeOnComplete: true
`;

const FLOWS = ["verify-campaigns", "process-campaign", "prepare-contact", "dispatch-campaign"];
const PAYLOADS = ["process-campaign", "prepare-contact", "dispatch-campaign"];

/** A fixture folder with the repository's campaign flows and payload schemas, and a manifest. */
export async function campaignFixture(concurrency = 5): Promise<string> {
  const root = path.resolve(__dirname, "../..");
  const dir = await mkdtemp(path.join(tmpdir(), "chatia-campaign-fixture-"));
  await mkdir(path.join(dir, "flows"));
  for (const flow of FLOWS) {
    await cp(path.join(root, "flows", `${flow}.json`), path.join(dir, "flows", `${flow}.json`));
  }
  for (const schema of PAYLOADS) {
    await cp(
      path.join(root, "schemas/payloads", `${schema}.json`),
      path.join(dir, `${schema}.json`),
    );
  }
  await writeFile(path.join(dir, "jobs.yaml"), MANIFEST(concurrency));
  return dir;
}

/** Polls `probe` until it returns a value (not undefined). */
export async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
