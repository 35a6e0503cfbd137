// Demo seed steps for the tenant itself: plan, company, settings, queues, connections, users.
import { randomBytes } from "node:crypto";
import type { UserProfile } from "../../../services/ports/enums";
import { DEMO_TEXTS, localDate } from "./demo-data";
import { at, DAY_MS, idsOf, insert, insertOne, nth, type SeedContext } from "./seed-context";

/** The demo company's zone (also the default of Companies.timezone). */
const DEMO_TIMEZONE = "America/Sao_Paulo";

export const DEMO_COMPANY_NAME = "ChatIA Demo";
/** Demo logins are `<name>@demo.chatia.local`. */
export const DEMO_EMAIL_DOMAIN = "demo.chatia.local";

export interface DemoCredential {
  readonly email: string;
  readonly password: string;
  readonly profile: UserProfile;
}

export type PasswordHasher = (plain: string) => Promise<string> | string;

export async function seedCompany(ctx: SeedContext): Promise<number> {
  const planId = await insertOne(ctx, "Plans", {
    name: "Plano Demo",
    users: 10,
    connections: 3,
    queues: 5,
    amount: "199.90",
    useKanban: true,
    useCampaigns: true,
    useSchedules: true,
  });
  const companyId = await insertOne(ctx, "Companies", {
    name: DEMO_COMPANY_NAME,
    phone: "551130000000",
    email: `contato@${DEMO_EMAIL_DOMAIN}`,
    dueDate: localDate(at(ctx, 15 * DAY_MS), DEMO_TIMEZONE),
    recurrence: "MENSAL",
    planId,
    timezone: DEMO_TIMEZONE,
  });
  await insert(ctx, "CompaniesSettings", [{ companyId, sendGreetingMessageOneQueues: "enabled" }]);
  // Values are JSON text, as the original stores them; intervals in seconds. The demo's pace is
  // quicker than the original's defaults (20, 20, 60) so that its campaign ends within minutes.
  const pacing = {
    messageInterval: 5,
    longerIntervalAfter: 20,
    greaterInterval: 15,
    variables: [],
  };
  const settings = Object.entries(pacing).map(([key, value]) => ({
    companyId,
    key,
    value: JSON.stringify(value),
  }));
  await insert(ctx, "CampaignSettings", settings);
  return companyId;
}

export interface DemoConnections {
  /** [Atendimento (routed), Financeiro] */
  readonly queueIds: number[];
  /** The default, CONNECTED connection. */
  readonly whatsappId: number;
}

export async function seedConnections(
  ctx: SeedContext,
  companyId: number,
): Promise<DemoConnections> {
  const queues = await insert(ctx, "Queues", [
    {
      name: "Atendimento",
      color: "#2e7d32",
      greetingMessage: DEMO_TEXTS.queueGreeting,
      ativarRoteador: true,
      tempoRoteador: 5,
      companyId,
    },
    { name: "Financeiro", color: "#1565c0", companyId },
  ]);
  const queueIds = idsOf(queues);
  const common = {
    companyId,
    provider: "simulated",
    greetingMessage: DEMO_TEXTS.greeting,
  };
  const whatsapps = await insert(ctx, "Whatsapps", [
    {
      ...common,
      name: "Atendimento (simulado)",
      status: "CONNECTED",
      isDefault: true,
      farewellMessage: DEMO_TEXTS.farewell,
      expiresTicket: 24,
      expiresInactiveMessage: DEMO_TEXTS.inactive,
      timeSendQueue: 10,
      sendIdQueue: nth(queueIds, 0),
    },
    { ...common, name: "Vendas (simulado)", status: "DISCONNECTED", isDefault: false },
  ]);
  return { queueIds, whatsappId: nth(idsOf(whatsapps), 0) };
}

const DEMO_USERS: readonly { key: string; name: string; profile: UserProfile; online: boolean }[] =
  [
    { key: "admin", name: "Admin Demo", profile: "admin", online: false },
    { key: "ana", name: "Ana Atendente", profile: "user", online: true },
    { key: "bruno", name: "Bruno Atendente", profile: "user", online: true },
    // Offline on purpose: automatic distribution must pass her over.
    { key: "carla", name: "Carla Atendente", profile: "user", online: false },
  ];

export interface DemoUsers {
  readonly adminId: number;
  /** [Ana (online), Bruno (online), Carla (offline)] */
  readonly attendantIds: number[];
  readonly credentials: DemoCredential[];
}

/** Admin plus three attendants with random passwords; Ana, Bruno, Carla work Atendimento. */
export async function seedUsers(
  ctx: SeedContext,
  companyId: number,
  queueIds: readonly number[],
  passwordHash: PasswordHasher,
): Promise<DemoUsers> {
  const credentials = DEMO_USERS.map((u) => ({
    email: `${u.key}@${DEMO_EMAIL_DOMAIN}`,
    password: randomBytes(12).toString("base64url"),
    profile: u.profile,
  }));
  const hashes = await Promise.all(credentials.map(async (c) => passwordHash(c.password)));
  const rows = DEMO_USERS.map((u, i) => ({
    name: u.name,
    email: nth(credentials, i).email,
    passwordHash: nth(hashes, i),
    profile: u.profile,
    online: u.online,
    companyId,
  }));
  const userIds = idsOf(await insert(ctx, "Users", rows));
  const [ana, bruno, carla] = [nth(userIds, 1), nth(userIds, 2), nth(userIds, 3)];
  const [service, finance] = [nth(queueIds, 0), nth(queueIds, 1)];
  const links: [number, number][] = [
    [ana, service],
    [bruno, service],
    [carla, service],
    [bruno, finance],
    [carla, finance],
  ];
  const userQueues = links.map(([userId, queueId]) => ({ userId, queueId }));
  await insert(ctx, "UserQueues", userQueues);
  return { adminId: nth(userIds, 0), attendantIds: [ana, bruno, carla], credentials };
}
