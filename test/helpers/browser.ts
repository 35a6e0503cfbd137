// Debian's Chromium driven by playwright-core (no browser download): headless, no sandbox (CI runs
// as root), and no background networking (these machines have no internet).
import { type Browser, chromium, type Page } from "playwright-core";
import { findChromium } from "../../scripts/find-chromium";
import { testRows } from "./rows";
import type { TestRuntime } from "./runtime";

/** Where `npm test`'s pretest looks too (scripts/find-chromium.js): CHROMIUM_PATH, else PATH. */
export const CHROMIUM = findChromium();

export async function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM.found) {
    throw new Error(
      `browser tests need Chromium at ${CHROMIUM.path} (apt-get install chromium, or set CHROMIUM_PATH; npm test's pretest installs it as root)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM.path,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A company with a connected WhatsApp in the runtime's database, and a browser page to drive. */
export interface ClinicInBrowser {
  readonly companyId: number;
  readonly whatsappId: number;
  /** The caller closes it. */
  readonly browser: Browser;
  /** 1500×900. */
  readonly page: Page;
}

/** Adds the company "Clínica" and its CONNECTED WhatsApp "main", and opens a browser page. */
export async function clinicInBrowser(t: TestRuntime): Promise<ClinicInBrowser> {
  const rows = testRows(t.db.sequelize);
  const companyId = (await rows.insert("Companies", { name: "Clínica" })).id;
  const whatsappId = (
    await rows.insert("Whatsapps", { name: "main", status: "CONNECTED", companyId })
  ).id;
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    return { companyId, whatsappId, browser, page };
  } catch (err) {
    await browser.close();
    throw err;
  }
}
