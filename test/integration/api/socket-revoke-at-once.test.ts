// A revoked API token's sockets close at once, not at their next periodic check: `chatia-flow
// token revoke`, run as its own process, revokes the token with a Postgres NOTIFY that every api
// process hears. The periodic check is set to 10 minutes here, so only the notice can do it.
import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli";
import { connectCompanySocket } from "../../helpers/socket";
import { tokenRuntime } from "../../helpers/tokens";

describe("`chatia-flow token revoke`", () => {
  const w = tokenRuntime(600_000);

  it("disconnects the token's open sockets at once, and only them", async () => {
    const { auth, companyId, url, t } = w;
    const kept = await auth.createApiToken({ name: "kept", companyId, profile: "admin" });
    const revoked = await auth.createApiToken({ name: "revoked", companyId, profile: "admin" });
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
