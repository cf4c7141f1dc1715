import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { personas } from "./fixtures/personas";
import { startServer, waitHealthy } from "./fixtures/server";

// The README's run command (`npm ci && npm run dev`, dependencies already installed here) on a fresh
// data directory with no configuration at all: it serves, answers health, and every demo user signs in.
test("`npm run dev` with embedded defaults serves the demo organisation", async ({ page }) => {
  test.setTimeout(300_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-dev-"));
  const dev = startServer({
    command: ["npm", "run", "dev"],
    port: 3103,
    env: { NODE_ENV: undefined, FERRY_DATA_DIR: dataDir, AUTH_SECRET: undefined, DATABASE_URL: undefined, FERRY_DEMO: undefined },
  });
  try {
    await waitHealthy(dev, 180_000);
    expect(await (await fetch(`${dev.base}/api/health`)).json()).toEqual({ status: "ok", database: "pglite" });
    // Development generates AUTH_SECRET once and keeps it in the data dir.
    expect(fs.readFileSync(path.join(dataDir, "auth-secret"), "utf8").trim().length).toBeGreaterThanOrEqual(32);

    for (const p of Object.values(personas)) {
      await page.goto(`${dev.base}/sign-in`);
      await page.getByLabel("E-mail").fill(p.email);
      await page.getByLabel("Password").fill("ferry-demo");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page).toHaveURL(`${dev.base}${p.home}`, { timeout: 60_000 });
      await expect(page.getByRole("link", { name: `Account settings for ${p.name}` })).toBeVisible();
      await page.getByRole("button", { name: "Sign out" }).click();
      await expect(page).toHaveURL(`${dev.base}/sign-in`);
    }
  } finally {
    await dev.stop();
  }
});
