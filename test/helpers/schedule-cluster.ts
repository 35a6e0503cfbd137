// A directory with the scheduled-message jobs exactly as jobs.yaml declares them (Verify at
// second :00 of every minute) and the real flows, to run in worker processes; and the schedules
// to give them. Used by the two-worker test and bench/schedules.ts.
import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Sequelize } from "sequelize";
import { testRows } from "./rows";

const ROOT = path.resolve(__dirname, "../..");

/** ScheduleMonitor and SendSacheduledMessages as in jobs.yaml, nothing else. */
export const SCHEDULE_MANIFEST = `version: 1
description: The scheduled-message jobs of jobs.yaml.
queues:
  ScheduleMonitor:
    jobs:
      Verify:
        flow: verify-schedules
        cron: "0 * * * * *"
        removeOnComplete: true
  SendSacheduledMessages:
    concurrency: 10
    jobs:
      SendMessage:
        flow: send-scheduled-message
        payload: schemas/payloads/send-scheduled-message.json
        attempts: 3
        backoff: { type: exponential, delay: 5000 }
        removeOnComplete: { age: 15 }
`;

/** A temporary project directory with the manifest above, the real flows and payload schema. */
export async function scheduleProjectDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "chatia-schedules-"));
  await writeFile(path.join(dir, "jobs.yaml"), SCHEDULE_MANIFEST);
  for (const flow of ["verify-schedules", "send-scheduled-message"]) {
    await cp(path.join(ROOT, "flows", `${flow}.json`), path.join(dir, "flows", `${flow}.json`));
  }
  await mkdir(path.join(dir, "schemas", "payloads"), { recursive: true });
  await cp(
    path.join(ROOT, "schemas", "payloads", "send-scheduled-message.json"),
    path.join(dir, "schemas", "payloads", "send-scheduled-message.json"),
  );
  return dir;
}

export interface ScheduleWorld {
  readonly companyId: number;
  readonly whatsappId: number;
}

/** A company with a CONNECTED default connection. */
export async function scheduleWorld(sequelize: Sequelize): Promise<ScheduleWorld> {
  const rows = testRows(sequelize);
  const companyId = (await rows.insert("Companies", { name: "Agenda", timezone: "UTC" })).id;
  const whatsappId = (
    await rows.insert("Whatsapps", { name: "W", companyId, status: "CONNECTED", isDefault: true })
  ).id;
  return { companyId, whatsappId };
}

/** One PENDENTE schedule per `sendAt`, each to a contact of its own (a 13-digit number). */
export async function createSchedules(
  sequelize: Sequelize,
  world: ScheduleWorld,
  sendAts: readonly Date[],
): Promise<{ id: number; number: string; sendAt: Date }[]> {
  const rows = testRows(sequelize);
  const base = Date.now() % 100_000_000;
  const contacts = await rows.insertMany<{ id: number; number: string }>(
    "Contacts",
    sendAts.map((_, i) => ({
      name: `Contato ${i}`,
      number: `55119${String((base + i) % 100_000_000).padStart(8, "0")}`,
      companyId: world.companyId,
    })),
  );
  const schedules = await rows.insertMany<{ id: number; sendAt: Date }>(
    "Schedules",
    sendAts.map((sendAt, i) => ({
      body: `Lembrete ${i}`,
      sendAt,
      contactId: (contacts[i] as (typeof contacts)[number]).id,
      companyId: world.companyId,
    })),
  );
  return schedules.map((s, i) => ({
    id: s.id,
    number: (contacts[i] as (typeof contacts)[number]).number,
    sendAt: s.sendAt,
  }));
}

/** The value at fraction `q` (0..1) of sorted `values`. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}
