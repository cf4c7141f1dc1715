// A production Ferry server for benches: `next start` on a free port, a fresh data dir, the demo
// organisation; PGlite, or a fresh database (dropped at stop) on the PostgreSQL server of
// BENCH_DATABASE_URL: the demo's files live in the data dir, so a database must not outlive it. Builds first when there is no build
// or when a source the build is made from changed after it (a stale build would bench old code, or
// answer 404 for a new route).
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface BenchServer {
  base: string;
  pid: number;
  database: "pglite" | "postgres";
  /** Signs in through the NextAuth credentials endpoint and returns the cookie header. */
  signIn: (email: string) => Promise<string>;
  /** What the server printed (the tail is added to a bench's error). */
  output: () => string;
  /** Resident memory of the server process, in MB (Linux /proc). */
  rssMb: () => number;
  /** Stops the server and removes its data dir and database. */
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitHealthy(base: string, proc: { exitCode: number | null }, log: () => string) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited:\n${log()}`);
    if (await fetch(`${base}/api/health`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server not healthy:\n${log()}`);
}

async function signIn(base: string, email: string): Promise<string> {
  const csrfRes = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const jar = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]);
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; ") },
    body: new URLSearchParams({ email, password: "ferry-demo", csrfToken, callbackUrl: `${base}/` }),
  });
  const session = res.headers.getSetCookie().find((c) => c.includes("session-token="));
  if (!session) throw new Error(`sign-in as ${email} failed (HTTP ${res.status})`);
  return [...jar, session.split(";")[0]].join("; ");
}

function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

const BUILD_INPUTS = ["app", "components", "db", "lib", "public", "instrumentation.ts", "next.config.ts", "package-lock.json", "tsconfig.json"];

/** A source file newer than `since` (ms), if any; tests and benches are not in the build. */
function changedSince(since: number): string | null {
  const walk = (p: string): string | null => {
    const stat = fs.statSync(p, { throwIfNoEntry: false });
    if (!stat) return null;
    if (!stat.isDirectory()) return stat.mtimeMs > since && !/\.test\.tsx?$/.test(p) ? p : null;
    if (p === path.join("lib", "bench")) return null;
    for (const entry of fs.readdirSync(p)) {
      const hit = walk(path.join(p, entry));
      if (hit) return hit;
    }
    return null;
  };
  for (const input of BUILD_INPUTS) {
    const hit = walk(input);
    if (hit) return hit;
  }
  return null;
}

/** A new, empty database on the PostgreSQL server of `url`, and how to drop it. */
export async function freshPostgresDatabase(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `ferry_bench_${crypto.randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function startBenchServer(): Promise<BenchServer> {
  const buildId = path.join(process.cwd(), ".next", "BUILD_ID");
  const built = fs.statSync(buildId, { throwIfNoEntry: false })?.mtimeMs;
  const changed = built === undefined ? null : changedSince(built);
  if (built === undefined || changed) {
    console.error(built === undefined ? "[bench] no production build: running next build…" : `[bench] ${changed} changed after the build: running next build…`);
    const b = spawnSync("npx", ["next", "build"], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    if (b.status !== 0) throw new Error("next build failed");
  }
  const port = await freePort();
  const database = process.env.BENCH_DATABASE_URL ? await freshPostgresDatabase(process.env.BENCH_DATABASE_URL) : null;
  const base = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-bench-"));
  let out = "";
  const proc = spawn("node", ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      FERRY_DATA_DIR: dataDir,
      FERRY_DEMO: "1",
      AUTH_SECRET: crypto.randomBytes(32).toString("base64"),
      DATABASE_URL: database?.url ?? "",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    detached: true,
  });
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (out += d));
  const stop = async () => {
    try {
      process.kill(-proc.pid!, "SIGTERM");
    } catch {}
    // The local agent (in the server's process group) saves its state as it exits: wait for the group.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        process.kill(-proc.pid!, 0);
      } catch {
        break;
      }
      if (Date.now() > deadline) break;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
    try {
      fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (e) {
      console.error(`[bench] could not remove ${dataDir}: ${e instanceof Error ? e.message : e}`);
    }
    await database?.drop();
  };
  try {
    await waitHealthy(base, proc, () => out);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    base,
    pid: proc.pid!,
    database: process.env.BENCH_DATABASE_URL ? "postgres" : "pglite",
    signIn: (email) => signIn(base, email),
    output: () => out,
    rssMb: () => rssOf(proc.pid!),
    stop,
  };
}
