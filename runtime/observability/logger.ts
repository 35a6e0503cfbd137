// Structured JSON logs (pino). Phone numbers and secrets never reach a log line: fields with those
// names are redacted wherever they sit (up to three levels deep), and phone numbers, WhatsApp ids
// and tokens are masked inside messages and errors too.
import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/** Field names whose values are never logged. */
const SECRET_FIELDS = [
  "password",
  "passwordHash",
  "token",
  "accessToken",
  "refreshToken",
  "apiToken",
  "authorization",
  "cookie",
  "secret",
  "jwtSecret",
  "credentialSecret",
  "number",
  "phone",
  "phoneNumber",
  "jid",
  "remoteJid",
];

const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]);

const MASKS: readonly [RegExp, string][] = [
  // JWTs (access tokens) and API tokens.
  [/\beyJ[\w-]+\.[\w-]+\.[\w-]+/g, "[token]"],
  [/\bcfa_[\w-]+/g, "[token]"],
  [/\b(Bearer)\s+\S+/gi, "$1 [token]"],
];

/**
 * Phone-number candidates: maybe a +country code, maybe an (area code), then digits with at most
 * one space or dash between them, maybe a WhatsApp @domain; not starting inside a word, an id
 * (`a-123`) or a time (`12:00`).
 */
const PHONE_CANDIDATE =
  /(?<![\w.:/-])(?:\+\d{1,3}[ -]?)?(?:\(\d{2,3}\)[ -]?)?\d(?:[ -]?\d){7,19}(?:@\w+(?:\.\w+)*)?/g;
const DATE = /^\d{4}-\d\d-\d\d/;

/** A candidate is a phone with 10 to 15 digits (any count with an @domain), and not a date. */
function maskPhone(candidate: string): string {
  const digits = candidate.replace(/\D/g, "").length;
  const jid = candidate.includes("@");
  if (DATE.test(candidate) || (!jid && (digits < 10 || digits > 15))) return candidate;
  return "[phone]";
}

/** `text` with tokens and phone numbers masked. */
export function maskSecrets(text: string): string {
  let masked = text;
  for (const [pattern, replacement] of MASKS) masked = masked.replace(pattern, replacement);
  return masked.replace(PHONE_CANDIDATE, maskPhone);
}

/**
 * An error as a log line shows it, masked. A user error (bad input or configuration, `kind: "user"`)
 * is shown without its stack: it says what to fix, and the stack of a refusal only buries that.
 */
function maskedError(err: unknown): unknown {
  const plain = pino.stdSerializers.err(err as Error) as unknown;
  if (typeof plain !== "object" || plain === null) return plain;
  const out: Record<string, unknown> = { ...(plain as Record<string, unknown>) };
  if ((err as { kind?: unknown }).kind === "user") delete out.stack;
  if (err instanceof Error) out.message = messageWithCauses(err);
  for (const key of ["message", "stack"])
    if (typeof out[key] === "string") out[key] = maskSecrets(out[key] as string);
  return out;
}

/**
 * The error's message, then each cause's that it does not already contain. pino's own serializer
 * appends every cause's message, and our errors usually quote their cause already ("the message
 * template is not valid Mustache: Unclosed section "x" at 31"), which said each thing twice.
 */
export function messageWithCauses(err: Error): string {
  let message = err.message;
  const seen = new Set<unknown>([err]);
  for (let cause = err.cause; cause instanceof Error && !seen.has(cause); cause = cause.cause) {
    seen.add(cause);
    if (cause.message !== "" && !message.includes(cause.message))
      message = `${message}: ${cause.message}`;
  }
  return message;
}

/** `destination` (tests) receives the JSON lines instead of stdout. */
export function createLogger(
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  const settings: pino.LoggerOptions = {
    name: options.name ?? "chatia-flow",
    level: options.level ?? process.env.LOG_LEVEL ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { err: maskedError },
    hooks: {
      // The message (a log call's last string argument) goes through the masks.
      logMethod(args, method) {
        const masked = args.map((a) => (typeof a === "string" ? maskSecrets(a) : a));
        method.apply(this, masked as Parameters<typeof method>);
      },
    },
  };
  // Without a destination pino writes to stdout as it always has.
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
