// The Node-RED editor's admin API as the editor itself uses it: log in as the operator, read the
// flows, deploy an edited copy.
import { expect } from "vitest";

/** An editor access token for the operator account. */
export async function editorToken(
  url: string,
  password: string,
  username = "admin",
): Promise<string> {
  const response = await fetch(`${url}/flows/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: "node-red-admin",
      grant_type: "password",
      scope: "*",
      username,
      password,
    }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Reads the running flows, lets `edit` change them in place, and deploys them (full by default). */
export async function deployEdited(
  url: string,
  token: string,
  edit: (flows: Record<string, unknown>[]) => void,
  type: "full" | "flows" | "nodes" = "full",
): Promise<void> {
  const headers = {
    authorization: `Bearer ${token}`,
    "node-red-api-version": "v2",
    "content-type": "application/json",
  };
  const current = (await (await fetch(`${url}/flows/flows`, { headers })).json()) as {
    flows: Record<string, unknown>[];
    rev: string;
  };
  edit(current.flows);
  const response = await fetch(`${url}/flows/flows`, {
    method: "POST",
    headers: { ...headers, "node-red-deployment-type": type },
    body: JSON.stringify(current),
  });
  expect(response.status).toBe(200);
}
