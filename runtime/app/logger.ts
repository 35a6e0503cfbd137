// Structured JSON logs (pino). Phone numbers and secrets never reach a log line.
import pino, { type Logger } from "pino";

export type { Logger } from "pino";

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? "chatia-flow",
    level: options.level ?? process.env.LOG_LEVEL ?? "info",
    redact: {
      paths: [
        "*.password",
        "*.passwordHash",
        "*.token",
        "*.credentialSecret",
        "*.number",
        "*.jid",
        "*.*.number",
        "*.*.jid",
      ],
      censor: "[redacted]",
    },
  });
}
