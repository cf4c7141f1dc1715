import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startProductionServer, waitHealthy } from "./fixtures/server";

// These tests start their own production servers (same build) on their own data directories.
const PORT = 3101;
const SECRET = "restart-secret-for-tests-only-0123456789ab";

test.describe("server restarts and the embedded database lock", () => {
  test.describe.configure({ timeout: 240_000 });

  test("a session survives a server restart; a second server on the same data dir refuses to start", async ({ page }) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-restart-"));
    const first = startProductionServer(PORT, { FERRY_DATA_DIR: dataDir, AUTH_SECRET: SECRET });
    try {
      await waitHealthy(first);
      expect(first.output()).toContain("Creating the embedded PostgreSQL (PGlite)");
      await page.goto(`${first.base}/sign-in`);
      await page.getByLabel("E-mail").fill("ops@ferry.dev");
      await page.getByLabel("Password").fill("ferry-demo");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page).toHaveURL(`${first.base}/approvals`);

      // A second server on the same data directory must not open it.
      const second = startProductionServer(PORT + 1, { FERRY_DATA_DIR: dataDir, AUTH_SECRET: SECRET });
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/Cannot start: The embedded database in .* is in use by another Ferry process \(pid \d+\)/);
    } finally {
      await first.stop();
    }

    const restarted = startProductionServer(PORT, { FERRY_DATA_DIR: dataDir, AUTH_SECRET: SECRET });
    try {
      await waitHealthy(restarted);
      expect(restarted.output()).toContain("Opening the embedded PostgreSQL (PGlite)");
      await page.goto(`${restarted.base}/projects`);
      await expect(page).toHaveURL(`${restarted.base}/projects`);
      await expect(page.getByRole("link", { name: "Account settings for Olga Ops" })).toBeVisible();
    } finally {
      await restarted.stop();
    }
  });

  test("production start-up without AUTH_SECRET fails with a clear message", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-nosecret-"));
    const server = startProductionServer(PORT, { FERRY_DATA_DIR: dataDir, AUTH_SECRET: "" });
    try {
      expect(await server.exited).toBe(1);
      expect(server.output()).toContain("Cannot start: AUTH_SECRET is not set");
    } finally {
      await server.stop();
    }
  });
});
