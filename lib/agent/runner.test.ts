import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DEFAULT_TIMING, type AgentConfig } from "./config";
import { groupAlive } from "./executors/processes";
import { FakeServer, gatedJob, removeTempDirs, tempDir, waitFor } from "./fake-server";
import type { Logger } from "./logger";
import { LOG_LINE_MAX } from "./protocol";
import { startAgent, type RunningAgent } from "./runner";
import { loadState } from "./state";

const running: RunningAgent[] = [];
const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close().catch(() => {})));
});
afterAll(removeTempDirs);

async function fakeServer(): Promise<FakeServer> {
  const server = new FakeServer();
  await server.listen();
  servers.push(server);
  return server;
}

function testConfig(server: FakeServer, stateDir: string): AgentConfig {
  return {
    serverUrl: server.url,
    token: server.token,
    executor: "local",
    stateDir,
    workDir: path.join(stateDir, "jobs"),
    gpus: [],
    parentPid: null,
    maxJobs: 2,
    graceMs: 500,
    timing: { ...DEFAULT_TIMING, retryInitialMs: 50, retryMaxMs: 300, pollIntervalMs: 100, flushTimeoutMs: 2_000, claimWaitMs: 300, claimIdleMs: 50 },
  };
}

function recorder(): Logger & { said: string[] } {
  const said: string[] = [];
  return { said, info: (m) => said.push(m), warn: (m) => said.push(m), error: (m) => said.push(m) };
}

function agent(server: FakeServer, stateDir: string, logger = recorder(), overrides: Partial<AgentConfig> = {}): RunningAgent {
  const started = startAgent({ ...testConfig(server, stateDir), ...overrides }, { logger });
  running.push(started);
  return started;
}

const terminal = (server: FakeServer, id: string) => server.job(id).statuses.some((s) => s.status !== "running");
const pidOf = (stateDir: string, id: string) => { const ref = loadState(stateDir).find((j) => j.id === id)?.ref; return ref ? Number(ref) : null; };

describe("agent runner", () => {
  it("runs a job to succeeded, delivering each log line once, in order", async () => {
    const server = await fakeServer();
    const dir = tempDir();
    const job = server.enqueue({ command: `seq 1 1200; head -c ${2 * LOG_LINE_MAX + 10} /dev/zero | tr '\\0' x; echo; printf tail` });
    agent(server, dir);
    await waitFor("the terminal status", () => terminal(server, job.id));
    const seen = server.job(job.id);
    expect(seen.statuses.map((s) => [s.status, s.exitCode])).toEqual([
      ["running", undefined],
      ["succeeded", 0],
    ]);
    const long = "x".repeat(2 * LOG_LINE_MAX + 10);
    expect(seen.lines).toEqual([...Array.from({ length: 1200 }, (_, i) => String(i + 1)), long.slice(0, LOG_LINE_MAX), long.slice(LOG_LINE_MAX, 2 * LOG_LINE_MAX), "x".repeat(10), "tail"]);
    expect(seen.sends.every((n) => n === 1)).toBe(true);
    expect(server.invalid).toEqual([]);
    expect(server.hellos[0]).toMatchObject({ protocol: 1, executor: "local", jobs: [], inventory: { gpus: [] } });
    await waitFor("the job to leave the state file", () => loadState(dir).length === 0);
  });

  it("reports jobs that fail or cannot start as failed, with the reason in the log", async () => {
    const server = await fakeServer();
    const dir = tempDir();
    const exits = server.enqueue({ command: "echo working; exit 3" });
    const image = server.enqueue({ code: { image: "acme/train:1" } });
    agent(server, dir);
    await waitFor("both terminal statuses", () => terminal(server, exits.id) && terminal(server, image.id));
    expect(server.job(exits.id).statuses.at(-1)).toMatchObject({ status: "failed", exitCode: 3, message: "exit code 3" });
    expect(server.job(exits.id).lines).toEqual(["working", "[ferry-agent] exit code 3"]);
    const refusal = "the local executor cannot run container images; launch on a Slurm or Kubernetes cluster";
    expect(server.job(image.id).statuses.map((s) => [s.status, s.message])).toEqual([
      ["running", undefined],
      ["failed", refusal],
    ]);
    expect(server.job(image.id).lines).toEqual([`[ferry-agent] ${refusal}`]);
  });

  it("loses no line and duplicates none when the server is down for part of a job", async () => {
    const server = await fakeServer();
    const dir = tempDir();
    const { command, expected } = gatedJob([path.join(dir, "gate1"), path.join(dir, "gate")], [10, 100, 300]);
    const job = server.enqueue({ command });
    const logger = recorder();
    agent(server, dir, logger);
    await waitFor("the first lines", () => server.job(job.id).lines.length === 10);
    // First a few answers lost on the way back (the server has the lines, the agent does not know)...
    server.dropAnswers = 2;
    writeFileSync(path.join(dir, "gate1"), "");
    await waitFor("the lost answers", () => server.dropAnswers === 0);
    // ...then the server goes away.
    await server.close();
    writeFileSync(path.join(dir, "gate"), "");
    // The job ends while the server is away.
    await waitFor("the job's exit", () => existsSync(path.join(dir, "jobs", job.id, "exit-code")));
    await server.listen();
    await waitFor("the terminal status", () => terminal(server, job.id));
    const seen = server.job(job.id);
    expect(seen.lines).toEqual(expected);
    expect(seen.mismatches).toEqual([]);
    expect(seen.statuses.map((s) => s.status)).toEqual(["running", "succeeded"]);
    expect(seen.sends.some((n) => n > 1)).toBe(true);
    expect(logger.said.some((m) => m.startsWith(`cannot reach ${server.url}`))).toBe(true);
    expect(server.invalid).toEqual([]);
  });

  it("resends from the line the server expects when it reports a gap", async () => {
    const server = await fakeServer();
    const dir = tempDir();
    const { command, expected } = gatedJob([path.join(dir, "gate")], [10, 30]);
    const job = server.enqueue({ command });
    agent(server, dir);
    await waitFor("the first lines", () => server.job(job.id).lines.length === 10);
    // The server lost lines 4-9 (say, restored from a backup): the next batch is refused with log_gap.
    server.job(job.id).lines.length = 4;
    writeFileSync(path.join(dir, "gate"), "");
    await waitFor("the terminal status", () => terminal(server, job.id));
    expect(server.job(job.id).lines).toEqual(expected);
    expect(server.job(job.id).mismatches).toEqual([]);
  });

  it("leaves jobs running when stopped, and a new agent re-attaches to them", async () => {
    const server = await fakeServer();
    const dir = tempDir();
    const gate = path.join(dir, "gate");
    const { command, expected } = gatedJob([gate], [5, 50]);
    const job = server.enqueue({ command });
    const first = agent(server, dir);
    await waitFor("the first lines", () => server.job(job.id).lines.length === 5);
    await first.stop();
    expect(await first.done).toBe(0);
    const pid = pidOf(dir, job.id)!;
    expect(groupAlive(pid)).toBe(true);

    const second = agent(server, dir);
    await waitFor("the re-attaching hello", () => server.hellos.length === 2);
    expect(server.hellos[1]!.jobs).toEqual([{ id: job.id, fence: job.fence }]);
    writeFileSync(gate, "");
    await waitFor("the terminal status", () => terminal(server, job.id));
    expect(server.job(job.id).lines).toEqual(expected);
    expect(server.job(job.id).mismatches).toEqual([]);
    expect(server.job(job.id).statuses.map((s) => s.status)).toEqual(["running", "succeeded"]);
    await second.stop();
  });

  it("stops and forgets a job the server says to forget at hello", async () => {
    const server = await fakeServer();
    const dir = tempDir();
    const job = server.enqueue({ command: gatedJob([path.join(dir, "gate")], [1, 2]).command });
    const first = agent(server, dir);
    await waitFor("the first line", () => server.job(job.id).lines.length === 1);
    await first.stop();
    const pid = pidOf(dir, job.id)!;
    server.verdicts.set(job.id, "forget");
    agent(server, dir);
    await waitFor("the job to be dropped", () => loadState(dir).length === 0);
    await waitFor("the job's processes to end", () => !groupAlive(pid));
    expect(server.job(job.id).statuses.map((s) => s.status)).toEqual(["running"]);
  });

  it("stops with exit code 3 and says what to do when the server refuses the token", async () => {
    const server = await fakeServer();
    const logger = recorder();
    const refused = agent(server, tempDir(), logger, { token: "ferryagent_rotated" });
    expect(await refused.done).toBe(3);
    expect(logger.said).toContain(
      "the server refused the agent token (HTTP 401: Unknown agent token). It was revoked or rotated: get a new token on the cluster's page in Ferry.",
    );
  });

  it("kills and drops a job whose claim was taken over (409 stale_claim)", async () => {
    const server = await fakeServer();
    const dir = tempDir();
    const job = server.enqueue({ command: "while :; do echo tick; sleep 0.05; done" });
    const logger = recorder();
    agent(server, dir, logger);
    await waitFor("a few lines", () => server.job(job.id).lines.length >= 3);
    const pid = pidOf(dir, job.id)!;
    // Heartbeats keep saying "keep": only the 409 on a report tells the agent.
    server.verdicts.set(job.id, "keep");
    server.takeOver(job.id);
    await waitFor("the job to be dropped", () => loadState(dir).length === 0);
    await waitFor("the job's processes to end", () => !groupAlive(pid));
    expect(logger.said.some((m) => m.includes("the claim was lost"))).toBe(true);
    expect(server.job(job.id).statuses.map((s) => s.status)).toEqual(["running"]);
  });

  it("cancels a job when a heartbeat says so", async () => {
    const server = await fakeServer();
    const dir = tempDir();
    const job = server.enqueue({ command: "echo started; sleep 30" });
    agent(server, dir);
    await waitFor("the job to start", () => server.job(job.id).lines.length === 1);
    server.verdicts.set(job.id, "cancel");
    await waitFor("the terminal status", () => terminal(server, job.id));
    expect(server.job(job.id).statuses.map((s) => [s.status, s.exitCode])).toEqual([
      ["running", undefined],
      ["cancelled", 143],
    ]);
    // In between, the shell may say "Terminated".
    expect(server.job(job.id).lines[0]).toBe("started");
    expect(server.job(job.id).lines.at(-1)).toBe("[ferry-agent] cancelled on request");
    await waitFor("the job to leave the state file", () => loadState(dir).length === 0);
  });
});
