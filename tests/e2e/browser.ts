// Debian's Chromium driven by playwright-core (a browser download is impossible here).
import fs from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

export const chromiumPath = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));

export async function launchChromium(): Promise<Browser> {
  if (!chromiumPath) throw new Error("Debian chromium is not installed (apt-get install chromium); .ci/run installs it");
  return chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] // playwright gives each launch a fresh, empty user-data-dir of its own,
  });
}

/** A fresh browser context signed in as `username`; dialogs (confirm()) are accepted. */
export async function signIn(browser: Browser, baseUrl: string, username: string, password: string): Promise<Page> {
  const page = await (await browser.newContext({ locale: "zh-CN" })).newPage();
  page.on("dialog", (d) => void d.accept());
  await page.goto(`${baseUrl}/login`);
  await page.fill("input[name=username]", username);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForURL(/\/queue/);
  return page;
}
