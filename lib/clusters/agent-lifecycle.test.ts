import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runJobs, runLogLines, runs } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { request } from "@/lib/actions/testing";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { spawnAgentProcess, until, type AgentProcess } from "./testing-agent";

// The real agent (`lib/agent/cli.ts`, a separate process with the local executor) against Ferry's
// agent routes over real HTTP, on a real database. A short offline timeout keeps the test quick.
vi.hoisted(() => {
  process.env.FERRY_AGENT_OFFLINE_AFTER_S = "3";
});
vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

const { startTrackingServer } = await import("@/lib/tracking/testing-server");
const { registerCluster, rotateAgentToken, revokeAgentToken } = await import("./service");
const { sweepOfflineClusters } = await import("./scheduler");
const { launchRun } = await import("@/lib/runs/service");
const { launchRunSchema } = await import("@/lib/runs/schemas");

type Agent = AgentProcess;

function startAgent(server: string, token: string, stateDir: string): Agent {
  return spawnAgentProcess(server, token, stateDir, ["--executor", "local", "--gpus", "none"]);
}

function processesMatching(needle: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes(needle)) found.push(`${pid} ${fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2]} ${cmd.replaceAll("\0", " ")}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const processRunning = (needle: string) => processesMatching(needle).length > 0;

// A job that prints numbered lines for a while; `ticks` × 0.1 s.
const counter = (ticks: number) => `for i in $(seq 1 ${ticks}); do echo "line $i"; sleep 0.1; done`;

describe(`agent lifecycle on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let admin: Actor;
  let ds: Actor;
  let server: Awaited<ReturnType<typeof startTrackingServer>>;
  let tmp: string;
  const agents: Agent[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    request.db = t.db;
    admin = await resolveActor(t.db, org.users.admin.claims);
    ds = await resolveActor(t.db, org.users.dataScientist.claims);
    server = await startTrackingServer();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-agent-it-"));
  });
  afterAll(async () => {
    for (const a of agents) a.proc.kill("SIGKILL");
    await Promise.all(agents.map((a) => a.exited));
    await server?.close();
    // Let handlers of cut requests notice before the database goes.
    await new Promise((r) => setTimeout(r, 300));
    await t?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const spawnAgent = (token: string, stateDir: string) => {
    const a = startAgent(server.url, token, stateDir);
    agents.push(a);
    return a;
  };
  const job = async (id: string) => (await t.db.select().from(runJobs).where(eq(runJobs.runId, id)))[0]!;
  const lines = async (id: string) =>
    (await t.db.select({ n: runLogLines.lineNo, text: runLogLines.text }).from(runLogLines).where(eq(runLogLines.runId, id)).orderBy(asc(runLogLines.lineNo))).map(
      (r) => `${r.n}:${r.text}`,
    );
  const expected = (n: number) => Array.from({ length: n }, (_, i) => `${i}:line ${i + 1}`);

  it("runs jobs to the end with the job environment: running → succeeded / failed, every log line once, in order", async () => {
    const { agentToken } = await registerCluster(t.db, admin, { name: "it-basic", executor: "local", description: "", costPerGpuHour: null });
    spawnAgent(agentToken, path.join(tmp, "basic"));
    const probe = [
      `echo "run=$MLFLOW_RUN_ID exp=$MLFLOW_EXPERIMENT_ID cuda=[$CUDA_VISIBLE_DEVICES] lr=$(echo "$FERRY_PARAMS")"`,
      // The run-scoped token works against the tracking API while the run is live.
      `node -e "fetch(process.env.MLFLOW_TRACKING_URI + '/api/2.0/mlflow/runs/get?run_id=' + process.env.MLFLOW_RUN_ID, { headers: { authorization: 'Bearer ' + process.env.MLFLOW_TRACKING_TOKEN } }).then((r) => console.log('tracking api', r.status))"`,
    ].join("; ");
    const env = await launchRun(t.db, ds, org.project, launchRunSchema.parse({ command: probe, params: { lr: "0.5" }, cluster: "it-basic" }));
    const failing = await launchRun(t.db, ds, org.project, launchRunSchema.parse({ command: `${counter(5)}; exit 3`, cluster: "it-basic" }));
    const ok = await launchRun(t.db, ds, org.project, launchRunSchema.parse({ command: counter(20), cluster: "it-basic" }));
    await until("the runs to end", async () => {
      const states = await Promise.all([env.id, failing.id, ok.id].map(async (id) => (await job(id)).status));
      return states.every((s) => s === "succeeded" || s === "failed") && states;
    });
    expect(await lines(ok.id)).toEqual(expected(20));
    expect((await job(ok.id)).status).toBe("succeeded");
    expect((await t.db.select({ s: runs.status }).from(runs).where(eq(runs.id, ok.id)))[0]!.s).toBe("FINISHED");
    const failed = await job(failing.id);
    expect([failed.status, failed.exitCode]).toEqual(["failed", 3]);
    expect((await t.db.select({ s: runs.status }).from(runs).where(eq(runs.id, failing.id)))[0]!.s).toBe("FAILED");
    expect(await lines(env.id)).toEqual([`0:run=${env.id} exp=${org.project.id} cuda=[] lr={"lr":"0.5"}`, "1:tracking api 200"]);
  }, 120_000);

  it("an agent killed mid-run: the run becomes lost after the timeout", async () => {
    const { id: clusterId, agentToken } = await registerCluster(t.db, admin, { name: "it-lost", executor: "local", description: "", costPerGpuHour: null });
    const a = spawnAgent(agentToken, path.join(tmp, "lost"));
    // A marker unique to this test run, to find the job's process among all of the machine's.
    const marker = `ferry-lost-${process.pid}-${Date.now()}`;
    const run = await launchRun(t.db, ds, org.project, launchRunSchema.parse({ command: `: ${marker}; ${counter(600)}`, cluster: "it-lost" }));
    await until("running", async () => (await job(run.id)).status === "running");
    a.proc.kill("SIGKILL");
    await a.exited;
    const lost = await until("lost", async () => {
      const swept = await sweepOfflineClusters(t.db, 3_000);
      return swept.lost.includes(run.id) ? swept : null;
    });
    expect(lost.lost).toEqual([run.id]);
    const j = await job(run.id);
    expect(j.status).toBe("lost");
    expect(j.message).toMatch(/stopped reporting/);
    void clusterId;
    // The orphaned job process is still running: a new agent is told to forget it, and kills it.
    const b = spawnAgent(agentToken, path.join(tmp, "lost"));
    await until("the agent to drop the lost job", async () => /no longer assigns it to this agent/.test(b.output()));
    await until("the orphaned job to stop", async () => !processRunning(marker), 20_000).catch((e) => {
      throw new Error(`${e.message}\nagent output:\n${b.output()}\nprocesses: ${processesMatching(marker).join("; ")}`);
    });
  }, 120_000);

  it("an agent restarted before the timeout re-attaches, and the run finishes normally", async () => {
    const { agentToken } = await registerCluster(t.db, admin, { name: "it-reattach", executor: "local", description: "", costPerGpuHour: null });
    const state = path.join(tmp, "reattach");
    const a = spawnAgent(agentToken, state);
    const run = await launchRun(t.db, ds, org.project, launchRunSchema.parse({ command: counter(40), cluster: "it-reattach" }));
    await until("some output", async () => (await job(run.id)).logLines >= 5);
    a.proc.kill("SIGKILL");
    await a.exited;
    spawnAgent(agentToken, state);
    await until("succeeded", async () => (await job(run.id)).status === "succeeded", 90_000);
    expect(await sweepOfflineClusters(t.db, 3_000)).toEqual({ lost: [], requeued: [] });
    expect(await lines(run.id)).toEqual(expected(40));
  }, 120_000);

  it("a server restart mid-run loses no log line and no status transition", async () => {
    const { agentToken } = await registerCluster(t.db, admin, { name: "it-restart", executor: "local", description: "", costPerGpuHour: null });
    spawnAgent(agentToken, path.join(tmp, "restart"));
    const run = await launchRun(t.db, ds, org.project, launchRunSchema.parse({ command: counter(40), cluster: "it-restart" }));
    await until("some output", async () => (await job(run.id)).logLines >= 3);
    const port = server.port;
    await server.close();
    // The job keeps printing (and, ticks later, ends) while the server is away.
    await new Promise((r) => setTimeout(r, 5_000));
    server = await startTrackingServer({ port });
    await until("succeeded", async () => (await job(run.id)).status === "succeeded", 90_000);
    const j = await job(run.id);
    expect(j.startedAt).not.toBeNull();
    expect(j.exitCode).toBe(0);
    expect(await lines(run.id)).toEqual(expected(40));
  }, 120_000);

  it("a rotated or revoked agent token: 401, and the agent says so and exits", async () => {
    const { id, agentToken } = await registerCluster(t.db, admin, { name: "it-token", executor: "local", description: "", costPerGpuHour: null });
    const cluster = { id, name: "it-token" };
    const a = spawnAgent(agentToken, path.join(tmp, "token"));
    await until("hello", async () => (await t.db.execute(sql`select 1 from clusters where id = ${id} and last_seen_at is not null`)) && /connected|hello|registered/i.test(a.output()));
    await rotateAgentToken(t.db, admin, cluster);
    expect(await a.exited).toBe(3);
    expect(a.output()).toMatch(/refused the agent token \(HTTP 401/);
    const res = await fetch(`${server.url}/api/agent/v1/heartbeat`, { method: "POST", headers: { authorization: `Bearer ${agentToken}`, "content-type": "application/json" }, body: "{\"jobs\":[]}" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/revoked or rotated/);
    await revokeAgentToken(t.db, admin, cluster);
    const b = spawnAgent("ferryagent_" + "x".repeat(43), path.join(tmp, "token2"));
    expect(await b.exited).toBe(3);
  }, 60_000);
});
