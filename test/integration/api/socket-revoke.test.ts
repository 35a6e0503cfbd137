// An API token does not expire, so its socket is checked again now and then: once the token is
// revoked (as `chatia-flow token revoke` does, from another process), the server disconnects it.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SequelizeAuthStore } from "../../../runtime/adapters/db/repositories/auth-store";
import { AuthService } from "../../../runtime/http/auth";
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
    tokenRecheckMs: 200,
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

describe("a socket connected with an API token", () => {
  it("is disconnected by the server once its token is revoked, and cannot connect again", async () => {
    const kept = await auth.createApiToken({ name: "kept", companyId, profile: "admin" });
    const revoked = await auth.createApiToken({ name: "revoked", companyId, profile: "admin" });
    const url = t.runtime.url ?? "";
    const stays = await connectCompanySocket({ url, token: kept.token, companyId });
    const goes = await connectCompanySocket({ url, token: revoked.token, companyId });
    const reason = new Promise<string>((resolve) => goes.socket.once("disconnect", resolve));
    expect(await auth.revokeApiToken(revoked.record.prefix)).toBe(1);
    expect(await reason).toBe("io server disconnect");
    expect(stays.socket.connected).toBe(true);
    const again = await connectCompanySocket({ url, token: revoked.token, companyId }).catch(
      (err: { data?: { code?: string } }) => err.data?.code,
    );
    expect(again).toBe("CF_AUTH_INVALID");
    stays.close();
  });
});
