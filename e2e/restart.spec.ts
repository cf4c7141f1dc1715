import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";

// These tests start their own production servers (same build) on their own data directories.
const PORT = 3101;
const SECRET = "restart-secret-for-tests-only-0123456789ab";

interface Server {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startServer(dataDir: string, env: Record<string, string | undefined> = {}, port = PORT): Server {
  let out = "";
  const proc = spawn("node", ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, NODE_ENV: "production", FERRY_DATA_DIR: dataDir, FERRY_DEMO: "1", AUTH_SECRET: SECRET, DATABASE_URL: "", ...env },
    detached: true, // its own process group, so stopping it stops next-server too
  });
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

async function waitHealthy(server: Server, port = PORT) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.proc.exitCode !== null) throw new Error(`server exited:\n${server.output()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`server did not become healthy:\n${server.output()}`);
}

async function stop(server: Server) {
  if (server.proc.exitCode !== null) return;
  process.kill(-server.proc.pid!, "SIGTERM");
  await Promise.race([server.exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (server.proc.exitCode === null) process.kill(-server.proc.pid!, "SIGKILL");
}

test.describe("server restarts and the embedded database lock", () => {
  test.describe.configure({ timeout: 240_000 });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-restart-"));

  test("a session survives a server restart; a second server on the same data dir refuses to start", async ({ page }) => {
    const first = startServer(dataDir);
    try {
      await waitHealthy(first);
      expect(first.output()).toContain("Creating the embedded PostgreSQL (PGlite)");
      const base = `http://127.0.0.1:${PORT}`;
      await page.goto(`${base}/sign-in`);
      await page.getByLabel("E-mail").fill("ops@ferry.dev");
      await page.getByLabel("Password").fill("ferry-demo");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page).toHaveURL(`${base}/projects/churn-prediction`);

      // A second server on the same data directory must not open it.
      const second = startServer(dataDir, {}, PORT + 1);
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/Cannot start: The embedded database in .* is in use by another Ferry process \(pid \d+\)/);
    } finally {
      await stop(first);
    }

    const restarted = startServer(dataDir);
    try {
      await waitHealthy(restarted);
      expect(restarted.output()).toContain("Opening the embedded PostgreSQL (PGlite)");
      await page.goto(`http://127.0.0.1:${PORT}/projects`);
      await expect(page).toHaveURL(`http://127.0.0.1:${PORT}/projects`);
      await expect(page.getByRole("link", { name: "Account settings for Olga Ops" })).toBeVisible();
    } finally {
      await stop(restarted);
    }
  });

  test("production start-up without AUTH_SECRET fails with a clear message", async () => {
    const server = startServer(fs.mkdtempSync(path.join(os.tmpdir(), "ferry-nosecret-")), { AUTH_SECRET: "" });
    try {
      expect(await server.exited).toBe(1);
      expect(server.output()).toContain("Cannot start: AUTH_SECRET is not set");
    } finally {
      await stop(server);
    }
  });
});
