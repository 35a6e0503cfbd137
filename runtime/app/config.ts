// The runtime's settings, from the command line and the environment, checked once at start.
// Outside demo mode no secret is ever generated: a missing one stops the start with CF_CONFIG_MISSING.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { databaseUrlFromEnv } from "../adapters/db/database-url";
import { type OptionalNodeGroup, parseOptionalNodes } from "../adapters/node-red/palette";
import { redisUrlFromEnv, sentinelFromEnv } from "../adapters/redis/redis-url";
import { ChatiaError } from "../errors";
import { PROJECT_ROOT } from "../project-root";
import { DEFAULT_QUOTAS, type EnqueueQuotas } from "../tenancy/enqueue-quota";
import { type Timeouts, timeoutsFromEnv } from "../timeouts";
import { WHATSAPP_DRIVERS, type WhatsAppDriverName } from "./whatsapp-drivers";

export type Role = "all" | "api" | "worker";

export interface RuntimeConfig {
  readonly role: Role;
  readonly manifestFile: string;
  readonly flowsDir: string;
  /** Node-RED's private folder (credentials, sessions, library). */
  readonly userDir: string;
  readonly nodesDirs: readonly string[];
  /** Root of the companies' media files (`<mediaDir>/company<id>/…`), as ChatIA's public/ folder. */
  readonly mediaDir: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly redisUrl: string;
  /** Bull key prefix; ChatIA's producers use "bull". */
  readonly prefix: string;
  readonly databaseUrl: string;
  /** Where the Node-RED editor is served; false without an editor. */
  readonly editorPath: string | false;
  readonly admin: { readonly username: string; readonly password: string };
  readonly credentialSecret: string;
  /** HS256 key of the API's access tokens ($CHATIA_JWT_SECRET, ≥ 32 characters). */
  readonly jwtSecret: string;
  /** How long SIGTERM waits for active jobs, ms. */
  readonly graceMs: number;
  readonly demo: boolean;
  /** $CHATIA_WHATSAPP_DRIVER: simulated (default; always in demo mode) or baileys. */
  readonly whatsappDriver?: WhatsAppDriverName;
  /** $CHATIA_SIMULATED_WHATSAPP_REDIS_URL: a Redis of its own for the simulated driver's world. */
  readonly simulatedWhatsAppRedisUrl?: string;
  /** $CHATIA_WHATSAPP_MAX_CONNECTIONS: most WhatsApp connections one worker runs (baileys). */
  readonly whatsappMaxConnections?: number;
  /** $CHATIA_CAMPAIGN_SENDER_BUDGET_MS: how long one run of a connection's campaign sender sends. */
  readonly campaignSenderBudgetMs?: number;
  /** Watch the manifest file and reload it when it changes (SIGHUP reloads too). */
  readonly watchManifest: boolean;
  /**
   * Origins a browser may call the API and socket.io from besides the server's own
   * ($CHATIA_CORS_ORIGINS, comma-separated). @defaultValue [] (closed: same origin only)
   */
  readonly corsOrigins: readonly string[];
  /**
   * Express's `trust proxy` ($CHATIA_TRUST_PROXY): which proxies' X-Forwarded-For to believe for
   * the client address that login limits count by: a hop count (`1`), `true`, or a list of
   * addresses/subnets (`loopback, 10.0.0.0/8`). @defaultValue false (the socket's address)
   */
  readonly trustProxy?: boolean | number | string;
  /** How often a socket connected with an API token checks it again, ms. @defaultValue 30_000 */
  readonly tokenRecheckMs?: number;
  /** A company's enqueue quotas ($CHATIA_QUOTA_*). @defaultValue DEFAULT_QUOTAS */
  readonly quotas?: EnqueueQuotas;
  /**
   * Node-RED core node groups brought back into the palette ($CHATIA_OPTIONAL_NODES, see
   * palette.ts). @defaultValue [] (no exec, no listening network nodes)
   */
  readonly optionalNodes?: readonly OptionalNodeGroup[];
  /**
   * Share of all job runs whose path through their flow is recorded, 0 to 1 ($CHATIA_TRACE_SAMPLE);
   * the editor's test runs are always recorded. @defaultValue 0
   */
  readonly traceSample?: number;
  /** Bounds on waits for Postgres, Redis and API requests. @defaultValue timeoutsFromEnv() */
  readonly timeouts?: Timeouts;
}

export interface StartFlags {
  readonly role?: string;
  readonly editor?: boolean;
  readonly port?: string;
  readonly host?: string;
  readonly demo?: boolean;
  readonly manifest?: string;
  readonly flowsDir?: string;
  readonly databaseUrl?: string;
}

const MIN_SECRET_LENGTH = 16;

/** chatia's compiled nodes. */
export const NODES_DIRS: readonly string[] = [path.join(PROJECT_ROOT, "dist", "nodes")];

/** The flow files: the option, else $CHATIA_FLOWS_DIR, else `flows/` beside the manifest. */
export function flowsDirFor(
  manifestFile: string,
  option?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return path.resolve(
    option ?? env.CHATIA_FLOWS_DIR ?? path.join(path.dirname(manifestFile), "flows"),
  );
}

export function loadConfig(flags: StartFlags, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const role = flags.role ?? env.CHATIA_ROLE ?? "all";
  if (role !== "all" && role !== "api" && role !== "worker") {
    throw new ChatiaError("CF_CLI_USAGE", `--role must be all, api or worker, not "${role}"`);
  }
  const demo = flags.demo === true || env.CHATIA_DEMO === "1";
  const withEditor = role !== "worker" && flags.editor !== false && env.CHATIA_EDITOR !== "0";
  const dataDir = path.resolve(env.CHATIA_DATA_DIR ?? path.join(PROJECT_ROOT, ".node-red"));
  const port = Number(flags.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ChatiaError("CF_CLI_USAGE", `invalid port "${flags.port ?? env.PORT}"`);
  const manifestFile = path.resolve(flags.manifest ?? env.CHATIA_MANIFEST ?? "jobs.yaml");
  return {
    role,
    manifestFile,
    flowsDir: flowsDirFor(manifestFile, flags.flowsDir, env),
    userDir: dataDir,
    nodesDirs: NODES_DIRS,
    mediaDir: path.resolve(env.CHATIA_MEDIA_DIR ?? path.join(PROJECT_ROOT, "public")),
    host: flags.host ?? env.HOST ?? "127.0.0.1",
    port,
    redisUrl: redisUrlFromEnv(env),
    ...checkedSentinels(env),
    prefix: env.REDIS_PREFIX ?? "bull",
    databaseUrl: flags.databaseUrl ?? databaseUrlFromEnv(env),
    editorPath: withEditor ? "/flows" : false,
    admin: {
      username: env.CHATIA_ADMIN_USER ?? "admin",
      password: secret("CHATIA_ADMIN_PASSWORD", env, demo && dataDir, withEditor),
    },
    credentialSecret: secret("NODE_RED_CREDENTIAL_SECRET", env, demo && dataDir, true),
    jwtSecret: secret("CHATIA_JWT_SECRET", env, demo && dataDir, role !== "worker", 32),
    graceMs: Number(env.SHUTDOWN_GRACE_MS ?? 25_000),
    demo,
    whatsappDriver: demo ? "simulated" : whatsappDriver(env),
    whatsappMaxConnections: wholeNumber(env, "CHATIA_WHATSAPP_MAX_CONNECTIONS", 50),
    ...(env.CHATIA_SIMULATED_WHATSAPP_REDIS_URL?.trim() && {
      simulatedWhatsAppRedisUrl: env.CHATIA_SIMULATED_WHATSAPP_REDIS_URL.trim(),
    }),
    campaignSenderBudgetMs: wholeNumber(env, "CHATIA_CAMPAIGN_SENDER_BUDGET_MS", 5000),
    watchManifest: env.CHATIA_WATCH_MANIFEST !== "0",
    corsOrigins: corsOrigins(env.CHATIA_CORS_ORIGINS),
    trustProxy: trustProxy(env.CHATIA_TRUST_PROXY),
    quotas: {
      perMinute: wholeNumber(env, "CHATIA_QUOTA_ENQUEUE_PER_MINUTE", DEFAULT_QUOTAS.perMinute),
      jobBytes: wholeNumber(env, "CHATIA_QUOTA_JOB_BYTES", DEFAULT_QUOTAS.jobBytes),
      jobsWaiting: wholeNumber(env, "CHATIA_QUOTA_JOBS_WAITING", DEFAULT_QUOTAS.jobsWaiting),
    },
    optionalNodes: parseOptionalNodes(env.CHATIA_OPTIONAL_NODES),
    traceSample: share(env, "CHATIA_TRACE_SAMPLE"),
    timeouts: timeoutsFromEnv(env),
  };
}

/**
 * REDIS_SENTINELS / REDIS_SENTINEL_NAME checked at start (the clients read them when created):
 * a wrong value stops the start with CF_CONFIG_INVALID saying which, never a half-connected runtime.
 */
function checkedSentinels(env: NodeJS.ProcessEnv): Record<string, never> {
  try {
    sentinelFromEnv(env);
  } catch (err) {
    throw new ChatiaError("CF_CONFIG_INVALID", (err as Error).message);
  }
  return {};
}

/** `CHATIA_TRUST_PROXY`: empty or `false` → false; `true`; a hop count; else addresses, as Express takes them. */
export function trustProxy(value: string | undefined): boolean | number | string {
  const text = (value ?? "").trim();
  if (text === "" || text === "false") return false;
  if (text === "true") return true;
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^[\w.:/, -]+$/.test(text))
    throw new ChatiaError(
      "CF_CONFIG_INVALID",
      `CHATIA_TRUST_PROXY: "${text}" is not true, a hop count or a list of addresses and subnets`,
    );
  return text;
}

/** `https://a.example, https://b.example` → their origins; anything but an http(s) origin is refused. */
export function corsOrigins(value: string | undefined): string[] {
  const items = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return items.map((item) => {
    let url: URL | undefined;
    try {
      url = new URL(item);
    } catch {
      url = undefined;
    }
    if (
      url === undefined ||
      !/^https?:$/.test(url.protocol) ||
      url.origin !== item.replace(/\/$/, "")
    )
      throw new ChatiaError(
        "CF_CONFIG_INVALID",
        `CHATIA_CORS_ORIGINS: "${item}" is not an origin like https://app.example.com`,
      );
    return url.origin;
  });
}

/**
 * A secret from the environment. In demo mode (`demoDir` set) a missing one is generated once and
 * kept in `<demoDir>/demo-secrets.json` (owner-only), so that restarts keep the same logins and
 * Node-RED can still decrypt the credentials it stored.
 */
function secret(
  name: string,
  env: NodeJS.ProcessEnv,
  demoDir: string | false,
  needed: boolean,
  minLength = MIN_SECRET_LENGTH,
): string {
  const value = env[name];
  if (value !== undefined && value.length >= minLength) return value;
  const bytes = Math.max(18, minLength);
  if (demoDir) return demoSecret(demoDir, name, bytes);
  if (!needed) return randomBytes(bytes).toString("base64url");
  const why = value === undefined ? "is not set" : `is shorter than ${minLength} characters`;
  throw new ChatiaError(
    "CF_CONFIG_MISSING",
    `${name} ${why}; set it (or start the demo with --demo, which generates one)`,
  );
}

function demoSecret(dir: string, name: string, bytes: number): string {
  const file = path.join(dir, "demo-secrets.json");
  const secrets: Record<string, string> = existsSync(file)
    ? JSON.parse(readFileSync(file, "utf8"))
    : {};
  let value = secrets[name];
  if (value === undefined) {
    value = randomBytes(bytes).toString("base64url");
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, `${JSON.stringify({ ...secrets, [name]: value }, null, 2)}\n`, {
      mode: 0o600,
    });
  }
  return value;
}

function whatsappDriver(env: NodeJS.ProcessEnv): WhatsAppDriverName {
  const value = env.CHATIA_WHATSAPP_DRIVER ?? "simulated";
  if (!(WHATSAPP_DRIVERS as readonly string[]).includes(value)) {
    throw new ChatiaError(
      "CF_CLI_USAGE",
      `CHATIA_WHATSAPP_DRIVER must be ${WHATSAPP_DRIVERS.join(" or ")}, not "${value}"`,
    );
  }
  return value as WhatsAppDriverName;
}

/** A number from 0 to 1 (0 when unset); anything else is CF_CONFIG_INVALID. */
function share(env: NodeJS.ProcessEnv, name: string): number {
  const text = env[name];
  if (text === undefined || text.trim() === "") return 0;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new ChatiaError(
      "CF_CONFIG_INVALID",
      `${name} must be a number from 0 to 1, not "${text}"`,
    );
  return value;
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new ChatiaError("CF_CLI_USAGE", `${name} must be a whole number >= 1, not "${text}"`);
  }
  return value;
}
