// A revoked API token's sockets close at once, not at their next periodic check: `chatia-flow
// token revoke`, run as its own process, revokes the token with a Postgres NOTIFY that every api
// process hears. The periodic check is set to 10 minutes here, so only the notice can do it.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SequelizeAuthStore } from "../../../runtime/adapters/db/repositories/auth-store";
import { AuthService } from "../../../runtime/http/auth";
import { runCli } from "../../helpers/cli";
import { testRows } from "../../helpers/rows";
import { startTestRuntime, type TestRuntime } from "../../helpers/runtime";
import { connectCompanySocket } from "../../helpers/socket";

let t: TestRuntime;
let auth: AuthService;
let companyId: number;

beforeAll(async () => {
  t = await startTestRuntime(path.resolve(__dirname, "../../fixtures/runtime/echo"), {
    role: "api",
    editor: false,
    tokenRecheckMs: 600_000,
  });
  companyId = (await testRows(t.db.sequelize).insert("Companies", { name: "Tokens" })).id;
  auth = new AuthService({
    store: new SequelizeAuthStore(t.db.sequelize),
    jwtSecret: t.config.jwtSecret,
  });
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

describe("`chatia-flow token revoke`", () => {
  it("disconnects the token's open sockets at once, and only them", async () => {
    const kept = await auth.createApiToken({ name: "kept", companyId, profile: "admin" });
    const revoked = await auth.createApiToken({ name: "revoked", companyId, profile: "admin" });
    const url = t.runtime.url ?? "";
    const stays = await connectCompanySocket({ url, token: kept.token, companyId });
    const goes = await Promise.all(
      [1, 2].map(() => connectCompanySocket({ url, token: revoked.token, companyId })),
    );
    const reasons = Promise.all(
      goes.map((s) => new Promise<string>((resolve) => s.socket.once("disconnect", resolve))),
    );
    const cli = runCli(["token", "revoke", revoked.record.prefix], {
      env: { DATABASE_URL: t.db.url },
    });
    expect([cli.code, cli.stdout.trim()]).toEqual([0, "revoked 1 API token"]);
    expect(await reasons).toEqual(["io server disconnect", "io server disconnect"]);
    expect(stays.socket.connected).toBe(true);
    stays.close();
  });
});
