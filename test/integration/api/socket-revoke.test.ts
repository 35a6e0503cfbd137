// An API token does not expire, so its socket is checked again now and then: once the token is
// revoked, the server disconnects it at the next check even when the revocation's notice was
// missed (socket-revoke-at-once.test.ts has the notice). Revoked here straight in the table,
// with no NOTIFY, as if the api process's LISTEN connection had been down.
import { describe, expect, it } from "vitest";
import { connectCompanySocket } from "../../helpers/socket";
import { tokenRuntime } from "../../helpers/tokens";

describe("a socket connected with an API token", () => {
  const w = tokenRuntime(200);

  it("is disconnected by the server once its token is revoked, and cannot connect again", async () => {
    const { auth, companyId, url, t } = w;
    const kept = await auth.createApiToken({ name: "kept", companyId, profile: "admin" });
    const revoked = await auth.createApiToken({ name: "revoked", companyId, profile: "admin" });
    const stays = await connectCompanySocket({ url, token: kept.token, companyId });
    const goes = await connectCompanySocket({ url, token: revoked.token, companyId });
    const reason = new Promise<string>((resolve) => goes.socket.once("disconnect", resolve));
    await t.db.sequelize.query(`UPDATE "ApiTokens" SET "revokedAt" = now() WHERE prefix = $1`, {
      bind: [revoked.record.prefix],
    });
    expect(await reason).toBe("io server disconnect");
    expect(stays.socket.connected).toBe(true);
    const again = await connectCompanySocket({ url, token: revoked.token, companyId }).catch(
      (err: { data?: { code?: string } }) => err.data?.code,
    );
    expect(again).toBe("CF_AUTH_INVALID");
    stays.close();
  });
});
