import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DEFAULT_TIMING } from "./config";
import { FakeServer, gatedJob, removeTempDirs, tempDir as makeTempDir, waitFor } from "./fake-server";
import { startAgent } from "./runner";
import { loadState } from "./state";

// The real command line, as `npm run agent` starts it, in a child process.

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const children: ChildProcess[] = [];
const servers: FakeServer[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await Promise.all(servers.splice(0).map((s) => s.close().catch(() => {})));
});
afterAll(removeTempDirs);

function cli(args: string[]): { child: ChildProcess; exit: Promise<number | null>; output: () => string } {
  // Without the FERRY_AGENT_* settings of whoever runs the tests. (A cast: Next.js types make NODE_ENV required.)
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("FERRY_AGENT_"))) as NodeJS.ProcessEnv;
  const child = spawn(process.execPath, ["--import", "tsx", "lib/agent/cli.ts", ...args], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exit, output: () => output };
}

async function fakeServer(): Promise<FakeServer> {
  const server = new FakeServer();
  await server.listen();
  servers.push(server);
  return server;
}


const tempDir = () => makeTempDir("ferry-cli-");

describe("agent command line", () => {
  it("exits 2 for an executor there is no such thing as", async () => {
    const run = cli(["--server", "http://localhost:3000", "--token", "t", "--executor", "nomad"]);
    expect(await run.exit).toBe(2);
    expect(run.output()).toContain("[ferry-agent] --executor (FERRY_AGENT_EXECUTOR) must be local, slurm or kubernetes");
  });

  it("exits 3 with instructions when the server refuses the token", async () => {
    const server = await fakeServer();
    const run = cli(["--server", server.url, "--token", "ferryagent_revoked", "--gpus", "none", "--state-dir", tempDir()]);
    expect(await run.exit).toBe(3);
    expect(run.output()).toContain(
      "[ferry-agent] the server refused the agent token (HTTP 401: Unknown agent token). It was revoked or rotated: get a new token on the cluster's page in Ferry.",
    );
  });

  it("exits 0 on SIGTERM and when its parent process is gone", async () => {
    const server = await fakeServer();
    const parent = spawn("sleep", ["60"]);
    children.push(parent);
    const byParent = cli(["--server", server.url, "--token", server.token, "--gpus", "none", "--state-dir", tempDir(), "--parent-pid", String(parent.pid)]);
    const bySignal = cli(["--server", server.url, "--token", server.token, "--gpus", "none", "--state-dir", tempDir()]);
    await waitFor("both hellos", () => server.hellos.length === 2);
    parent.kill("SIGKILL");
    bySignal.child.kill("SIGTERM");
    expect(await byParent.exit).toBe(0);
    expect(byParent.output()).toContain(`parent process ${parent.pid} is gone`);
    expect(await bySignal.exit).toBe(0);
  });

  it("re-attaches, after a SIGKILL, to a job that ended while no agent was running", async () => {
    const server = await fakeServer();
    const dir = tempDir();
    const gate = path.join(dir, "gate");
    const { command, expected } = gatedJob([gate], [5, 80]);
    const job = server.enqueue({ command });
    const run = cli(["--server", server.url, "--token", server.token, "--gpus", "none", "--state-dir", dir]);
    await waitFor("the first lines", () => server.job(job.id).lines.length === 5);
    run.child.kill("SIGKILL");
    await run.exit;
    writeFileSync(gate, "");
    await waitFor("the job's exit", () => existsSync(path.join(dir, "jobs", job.id, "exit-code")));
    expect(server.job(job.id).statuses.map((s) => s.status)).toEqual(["running"]);

    const timing = { ...DEFAULT_TIMING, retryMaxMs: 300, pollIntervalMs: 100, claimWaitMs: 300 };
    const said: string[] = [];
    const logger = { info: (m: string) => said.push(m), warn: (m: string) => said.push(m), error: (m: string) => said.push(m) };
    const next = startAgent({ serverUrl: server.url, token: server.token, executor: "local", stateDir: dir, workDir: path.join(dir, "jobs"), gpus: [], parentPid: null, maxJobs: 1, graceMs: 500, timing }, { logger });
    try {
      await waitFor("the terminal status", () => server.job(job.id).statuses.length === 2);
      expect(server.job(job.id).statuses[1]).toMatchObject({ status: "succeeded", exitCode: 0 });
      expect(server.job(job.id).lines).toEqual(expected);
      expect(server.job(job.id).mismatches).toEqual([]);
      await waitFor("the job to leave the state file", () => loadState(dir).length === 0);
    } finally {
      await next.stop();
    }
  });
});
