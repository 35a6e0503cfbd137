// Where Postgres is, without loading Sequelize: the command line reads it before it knows whether
// the command needs a database at all.

/** Used when neither an explicit URL nor DATABASE_URL is given. */
export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/chatia";

/** DATABASE_URL from the environment, or DEFAULT_DATABASE_URL. */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.DATABASE_URL?.trim();
  return url ? url : DEFAULT_DATABASE_URL;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<invalid database URL>";
  }
}
