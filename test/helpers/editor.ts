// The Node-RED editor's admin API as the editor itself uses it: log in as the operator, read the
// flows, deploy an edited copy; and, in a browser, log in and deploy with the editor's button.
import type { Page } from "playwright-core";
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

/**
 * Reads the running flows, lets `edit` change them in place, and deploys them (full by default)
 * through the admin API, as the editor does; resolves to the answer.
 */
export async function tryDeploy(
  url: string,
  token: string,
  edit: (flows: Record<string, unknown>[]) => void,
  type: "full" | "flows" | "nodes" = "full",
): Promise<{ status: number; body: { code?: string; message?: string } }> {
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
  return { status: response.status, body: await response.json() };
}

/** tryDeploy, which must succeed. */
export async function deployEdited(
  url: string,
  token: string,
  edit: (flows: Record<string, unknown>[]) => void,
  type: "full" | "flows" | "nodes" = "full",
): Promise<void> {
  const { status } = await tryDeploy(url, token, edit, type);
  expect(status).toBe(200);
}

/** Opens the editor at `url` and logs in as the runtime's operator; resolves once the palette shows. */
export async function openEditor(page: Page, url: string, password: string): Promise<void> {
  await page.goto(`${url}/flows/`);
  await page.locator("#node-dialog-login-username").fill("admin");
  await page.locator("#node-dialog-login-password").fill(password);
  await page.locator("#node-dialog-login-submit").click();
  await page.locator("#red-ui-palette-header-chatia").waitFor({ timeout: 30_000 });
}

/**
 * Clicks Deploy (confirming the editor's "nodes not properly configured" question) and waits for
 * Node-RED's verdict; returns the notice's text.
 */
export async function deployFromEditor(page: Page): Promise<string> {
  const answered = page.waitForResponse(
    (r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/flows/flows",
  );
  await page.locator("#red-ui-header-button-deploy").click();
  const confirm = page.locator("#red-ui-deploy-dialog-confirm-deploy-deploy");
  const response = await Promise.race([
    answered,
    confirm.waitFor({ state: "visible" }).then(async () => {
      await confirm.click({ timeout: 5_000 });
      return answered;
    }),
  ]);
  const verdict = response.ok() ? /Successfully deployed/ : /Deploy (refused|failed)/;
  const notice = page.locator(".red-ui-notification", { hasText: verdict }).last();
  await notice.waitFor({ state: "visible" });
  await page.locator("#red-ui-header-shade").waitFor({ state: "hidden" });
  return (await notice.textContent()) ?? "";
}

/**
 * Shows the editor sidebar's jobs tab, once the chatia plugin has added it: the editor may show
 * the page (and its palette) before the plugin's tab exists, and asking to show a tab that is not
 * there yet leaves its content hidden.
 */
export async function showJobsTab(page: Page): Promise<void> {
  type Sidebar = { containsTab(id: string): boolean; show(id: string): void };
  const sidebar = () => (window as unknown as { RED: { sidebar: Sidebar } }).RED.sidebar;
  await page.waitForFunction(`(${sidebar.toString()})().containsTab("chatia-jobs")`, undefined, {
    timeout: 30_000,
  });
  await page.evaluate(`(${sidebar.toString()})().show("chatia-jobs")`);
  await page.locator("#chatia-jobs-head").waitFor({ state: "visible", timeout: 15_000 });
}
