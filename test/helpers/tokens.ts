// A runtime (the echo fixture, api role) whose API-token sockets check their token every
// `recheckMs`, with a company and an AuthService over its database, for the token-revocation
// tests (Node-RED runs once per process: one such runtime per test file).
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { SequelizeAuthStore } from "../../runtime/adapters/db/repositories/auth-store";
import { AuthService } from "../../runtime/http/auth";
import { testRows } from "./rows";
import { startTestRuntime, type TestRuntime } from "./runtime";

export interface TokenRuntime {
  t: TestRuntime;
  auth: AuthService;
  companyId: number;
  url: string;
}

/** A runtime whose API-token sockets check their token every `recheckMs`, and a company. */
/** Registers the file's beforeAll/afterAll; the fields are set once beforeAll has run. */
export function tokenRuntime(recheckMs: number): TokenRuntime {
  const world = {} as TokenRuntime;
  beforeAll(async () => {
    world.t = await startTestRuntime(path.resolve(__dirname, "../fixtures/runtime/echo"), {
      role: "api",
      editor: false,
      tokenRecheckMs: recheckMs,
    });
    world.url = world.t.runtime.url ?? "";
    world.companyId = (
      await testRows(world.t.db.sequelize).insert("Companies", { name: "Tokens" })
    ).id;
    world.auth = new AuthService({
      store: new SequelizeAuthStore(world.t.db.sequelize),
      jwtSecret: world.t.config.jwtSecret,
    });
  }, 60_000);
  afterAll(async () => {
    await world.t?.stop();
  });
  return world;
}
