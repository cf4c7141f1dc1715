import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

// The suite runs against a production build (`npm run build` first) served by `next start`, with a
// fresh embedded database and the demo organisation. Debian's Chromium, never a downloaded browser.
const port = Number(process.env.FERRY_E2E_PORT ?? 3100);
process.env.FERRY_E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-"));
process.env.FERRY_E2E_AUTH_SECRET ??= "e2e-secret-for-tests-only-0123456789abcdef";
export const chromiumPath = process.env.FERRY_CHROMIUM ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  outputDir: "test-results",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
    },
  },
  projects: [{ name: "chromium" }],
  webServer: {
    command: `node node_modules/next/dist/bin/next start -p ${port} -H 127.0.0.1`,
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      NODE_ENV: "production",
      FERRY_DATA_DIR: process.env.FERRY_E2E_DATA_DIR,
      FERRY_DEMO: "1",
      AUTH_SECRET: process.env.FERRY_E2E_AUTH_SECRET,
      DATABASE_URL: "",
      NEXT_TELEMETRY_DISABLED: "1",
    },
  },
});
