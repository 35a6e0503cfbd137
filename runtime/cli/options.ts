// Where the CLI finds its inputs when the command line does not say.
import path from "node:path";
import { databaseUrlFromEnv } from "../adapters/db/database-url";

/** The manifest path: the argument, else $CHATIA_MANIFEST, else ./jobs.yaml. */
export function manifestPath(arg: string | undefined): string {
  return path.resolve(arg ?? process.env.CHATIA_MANIFEST ?? "jobs.yaml");
}

/** The Postgres URL: the option, else $DATABASE_URL, else the local default. */
export function databaseUrl(option: string | undefined): string {
  return option ?? databaseUrlFromEnv();
}

export function parseFormat(value: string): "text" | "json" {
  if (value !== "text" && value !== "json")
    throw new Error(`--format must be text or json, not "${value}"`);
  return value;
}
