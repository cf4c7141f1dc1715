import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { clusterGpuPools, clusters, metricSeries, runJobs, runLogLines, runs } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { demoSubscribersCsv } from "@/db/demo-data";
import { request } from "@/lib/actions/testing";
import { parseScontrolJob } from "@/lib/agent/executors/slurm";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { spawnAgentProcess, until, type AgentProcess } from "./testing-agent";

// The Slurm executor against a real Slurm cluster: the real agent (lib/agent/cli.ts, a separate
// process with --executor slurm) submits Ferry's runs with sbatch to the slurmctld/slurmd that
// `.ci/slurm.sh start` runs on this machine (one node, 8 CPUs, four H100 GRES on /dev/null device
// files), and reports to Ferry's agent routes over real HTTP, on a real database. Nothing is mocked
// on the Slurm side. `.ci/test-all.sh` starts the cluster and exports SLURM_CONF; without it the suite
// is skipped, except in CI, where that is a failure.
vi.hoisted(() => {
  process.env.FERRY_AGENT_OFFLINE_AFTER_S = "6";
});
vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

const { startTrackingServer } = await import("@/lib/tracking/testing-server");
const { registerCluster, updateCluster } = await import("./service");
const { updateClusterSchema } = await import("./schemas");
const { sweepOfflineClusters } = await import("./scheduler");
const { launchRun, cancelRun } = await import("@/lib/runs/service");
const { launchRunSchema } = await import("@/lib/runs/schemas");
const { createDataset, registerUpload } = await import("@/lib/datasets/service");

function slurmAvailable(): boolean {
  if (!process.env.SLURM_CONF) return false;
  try {
    execFileSync("sinfo", ["-h"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
const haveSlurm = slurmAvailable();

type Agent = AgentProcess;

function startAgent(server: string, token: string, stateDir: string): Agent {
  return spawnAgentProcess(server, token, stateDir, ["--executor", "slurm", "--grace-ms", "2000"]);
}

/** `scontrol show job` fields of a Slurm job. */
function slurmJob(id: string): Record<string, string> {
  return parseScontrolJob(execFileSync("scontrol", ["show", "job", "-o", id], { encoding: "utf8" }));
}

const counter = (ticks: number) => `for i in $(seq 1 ${ticks}); do echo "line $i"; sleep 0.1; done`;

describe.runIf(!haveSlurm && process.env.CI)("Slurm suite", () => {
  it("runs in CI: SLURM_CONF must name a running Slurm cluster (.ci/test-all.sh starts one)", () => {
    expect(process.env.SLURM_CONF ?? "SLURM_CONF is unset").toBe("a running Slurm cluster");
  });
});

describe.skipIf(!haveSlurm)(`Slurm executor against real Slurm daemons, on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let admin: Actor;
  let ds: Actor;
  let server: Awaited<ReturnType<typeof startTrackingServer>>;
  let tmp: string;
  let cluster: { id: string; name: string; executor: "slurm" };
  let token: string;
  let agent: Agent;
  const stateDir = () => path.join(tmp, "agent");
  const agents: Agent[] = [];

  const spawnAgent = () => {
    const a = startAgent(server.url, token, stateDir());
    agents.push(a);
    agent = a;
    return a;
  };
  const job = async (id: string) => (await t.db.select().from(runJobs).where(eq(runJobs.runId, id)))[0]!;
  const lines = async (id: string) =>
    (await t.db.select({ text: runLogLines.text }).from(runLogLines).where(eq(runLogLines.runId, id)).orderBy(asc(runLogLines.lineNo))).map((r) => r.text);
  const launch = (input: Record<string, unknown>) => launchRun(t.db, ds, org.project, launchRunSchema.parse({ cluster: cluster.name, ...input }));
  const status = (id: string, ...wanted: string[]) =>
    until(`run ${id} to be ${wanted.join(" or ")}`, async () => {
      const j = await job(id);
      return wanted.includes(j.status) && j;
    }, 120_000, () => `agent output:\n${agent.output().slice(-3000)}`);
  const settings = (input: Record<string, string>) => updateCluster(t.db, admin, cluster, updateClusterSchema.parse({ description: "", costPerGpuHour: "", ...input }));

  beforeAll(async () => {
    // The suite counts GPUs: it needs the test cluster to itself (jobs of an interrupted run may linger for their time).
    await until("an idle Slurm cluster (no jobs in squeue)", async () => execFileSync("squeue", ["-h", "-o", "%i"], { encoding: "utf8" }).trim() === "", 60_000, () =>
      execFileSync("squeue", ["-o", "%i %j %T %M"], { encoding: "utf8" }),
    );
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    request.db = t.db;
    admin = await resolveActor(t.db, org.users.admin.claims);
    ds = await resolveActor(t.db, org.users.dataScientist.claims);
    server = await startTrackingServer();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-slurm-it-"));
    const name = `slurm-${testDbKind === "postgres" ? "pg" : "pglite"}`;
    const registered = await registerCluster(t.db, admin, { name, executor: "slurm", description: "", costPerGpuHour: null });
    cluster = { id: registered.id, name, executor: "slurm" };
    token = registered.agentToken;
    spawnAgent();
    // The agent reports Slurm's GPUs: four H100s, none handed out.
    await until("the inventory from sinfo", async () => {
      const [pool] = await t.db.select().from(clusterGpuPools).where(eq(clusterGpuPools.clusterId, cluster.id));
      return pool && pool.gpuType === "h100" && pool.total === 4 && pool;
    }, 60_000, () => agent.output());
    const [row] = await t.db.select({ cpus: clusters.cpus }).from(clusters).where(eq(clusters.id, cluster.id));
    expect(row!.cpus).toBe(8);
  }, 90_000);

  afterAll(async () => {
    // Whatever a failed test left in Slurm's queue.
    if (t) {
      const ids = (await t.db.select({ id: runJobs.schedulerJobId }).from(runJobs)).map((r) => r.id).filter((id): id is string => !!id);
      if (ids.length) {
        try {
          execFileSync("scancel", ids);
        } catch {
          // already ended
        }
      }
    }
    for (const a of agents) a.proc.kill("SIGKILL");
    await Promise.all(agents.map((a) => a.exited));
    await server?.close();
    await new Promise((r) => setTimeout(r, 300));
    await t?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("the example trainer, launched through Ferry, finishes on Slurm with its metrics in Ferry (GPUs, partition, time limit and account from the cluster's settings)", async () => {
    await settings({ partition: "gpu", timeLimit: "00:30:00", account: "ml-research" });
    await createDataset(t.db, ds, org.project, { name: "subscribers", description: "" });
    await registerUpload(t.db, ds, org.project, "subscribers", { filename: "churn.csv", body: [new TextEncoder().encode(demoSubscribersCsv(1, 600))] });
    const run = await launch({
      name: "slurm-trainer",
      command: 'echo "cuda=[$CUDA_VISIBLE_DEVICES] run=$MLFLOW_RUN_ID"; ferry-example-train --data "$FERRY_DATASET_PATH" --target churned --epochs 3',
      gpus: { count: 2, type: "h100" },
      datasetVersion: { dataset: "subscribers", version: 1 },
    });
    const running = await status(run.id, "running", "succeeded", "failed");
    expect(`${running.status}: ${running.message}: ${running.schedulerJobId}`).toMatch(/^(running|succeeded): null: \d+$/);
    // What sbatch was given, as Slurm recorded it.
    const submitted = slurmJob(running.schedulerJobId!);
    expect(submitted).toMatchObject({ JobName: `ferry-${run.id}`, Partition: "gpu", TimeLimit: "00:30:00", Account: "ml-research", TresPerNode: "gres:gpu:h100:2" });

    const done = await status(run.id, "succeeded", "failed");
    const log = await lines(run.id);
    expect(done.status, log.join("\n")).toBe("succeeded");
    expect(done).toMatchObject({ exitCode: 0, schedulerState: "COMPLETED", schedulerReason: null });
    expect(log[0]).toBe(`cuda=[0,1] run=${run.id}`);
    const keys = (await t.db.select({ key: metricSeries.key }).from(metricSeries).where(eq(metricSeries.runId, run.id))).map((r) => r.key);
    expect(keys).toEqual(expect.arrayContaining(["accuracy", "precision", "recall", "f1", "loss"]));
    expect((await t.db.select({ s: runs.status }).from(runs).where(eq(runs.id, run.id)))[0]!.s).toBe("FINISHED");
    await settings({});
  }, 180_000);

  it("a job asking for more GPUs than are free waits in Slurm with its reason shown; cancel from Ferry; scancel by hand → cancelled", async () => {
    const holder = await launch({ name: "holder", command: "echo holding; sleep 300", gpus: { count: 2, type: "h100" } });
    const held = await status(holder.id, "running");
    expect(held.schedulerState).toBe("RUNNING");
    // Slurm's allocation reaches Ferry's inventory with the next heartbeat.
    await until("2 of 4 H100s allocated in Slurm", async () => {
      const [pool] = await t.db.select().from(clusterGpuPools).where(eq(clusterGpuPools.clusterId, cluster.id));
      return pool?.allocated === 2;
    });

    const big = await launch({ name: "too-big-for-now", command: "echo never printed", gpus: { count: 3, type: "h100" } });
    const waiting = await until("Slurm's pending reason", async () => {
      const j = await job(big.id);
      return j.schedulerReason === "Resources" && j;
    });
    expect(waiting).toMatchObject({ status: "scheduled", schedulerState: "PENDING", schedulerReason: "Resources" });
    expect(slurmJob(waiting.schedulerJobId!)).toMatchObject({ JobState: "PENDING", Reason: "Resources" });

    // Cancel from Ferry: scancel of the pending job.
    await cancelRun(t.db, ds, org.project, big.id);
    const cancelled = await status(big.id, "cancelled");
    expect(cancelled.message).toBe("cancelled on request");
    expect(slurmJob(waiting.schedulerJobId!).JobState).toBe("CANCELLED");
    expect(await lines(big.id)).not.toContain("never printed");

    // Killed inside Slurm, not through Ferry.
    execFileSync("scancel", [held.schedulerJobId!]);
    const killed = await status(holder.id, "cancelled", "failed", "succeeded");
    expect(killed.status).toBe("cancelled");
    expect(killed.message).toBe(`Slurm job ${held.schedulerJobId} was cancelled in Slurm (scancel)`);
    expect(killed.schedulerState).toBe("CANCELLED");
    expect((await t.db.select({ s: runs.status }).from(runs).where(eq(runs.id, holder.id)))[0]!.s).toBe("KILLED");
  }, 180_000);

  it("cancelling a running job from Ferry stops it in Slurm", async () => {
    const run = await launch({ name: "to-cancel", command: "echo started; sleep 300", gpus: { count: 1, type: "h100" } });
    const running = await status(run.id, "running");
    await until("its first line", async () => (await lines(run.id)).includes("started"));
    await cancelRun(t.db, ds, org.project, run.id);
    const cancelled = await status(run.id, "cancelled");
    expect(cancelled.message).toBe("cancelled on request");
    expect(slurmJob(running.schedulerJobId!).JobState).toBe("CANCELLED");
  }, 120_000);

  it("an agent away longer than the offline timeout: its Slurm job runs on and ends meanwhile; the restarted agent re-attaches by job id and delivers every line once", async () => {
    const run = await launch({ name: "restart", command: counter(40), gpus: { count: 1, type: "h100" } });
    // Running as Ferry knows it (the agent sees Slurm's RUNNING up to one squeue interval after the job's first lines).
    await until("running, with some output", async () => {
      const j = await job(run.id);
      return j.status === "running" && j.logLines >= 5;
    });
    const before = await job(run.id);
    agent.proc.kill("SIGKILL");
    await agent.exited;
    // The job ends in Slurm while no agent watches; the cluster goes offline (6 s here), but runs in
    // a cluster's own scheduler are not lost before FERRY_AGENT_SCHEDULER_LOST_AFTER_S.
    await until("the job to end in Slurm", async () => slurmJob(before.schedulerJobId!).JobState === "COMPLETED");
    await new Promise((r) => setTimeout(r, 6_500));
    const swept = await sweepOfflineClusters(t.db, 6_000);
    const whileAway = (await job(run.id)).status;
    // Restarted before asserting, so that a failure here leaves the next tests an agent.
    const next = spawnAgent();
    expect(swept).toEqual({ lost: [], requeued: [] });
    expect(whileAway).toBe("running");
    const done = await status(run.id, "succeeded", "failed");
    expect(done.status).toBe("succeeded");
    expect(done.schedulerJobId).toBe(before.schedulerJobId);
    expect(next.output()).toContain(`re-attached to slurm job ${before.schedulerJobId}`);
    expect(await lines(run.id)).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i + 1}`));
  }, 120_000);

  it("a job requeued in Slurm waits again with Slurm's reason, runs again and succeeds", async () => {
    const run = await launch({ name: "requeued", command: `${counter(50)}; echo done`, gpus: { count: 1, type: "h100" } });
    await until("running, with some output", async () => {
      const j = await job(run.id);
      return j.status === "running" && j.logLines >= 3;
    });
    const slurmId = (await job(run.id)).schedulerJobId!;
    execFileSync("scontrol", ["requeue", slurmId]);
    // Slurm holds a requeued job for two minutes: the run page says so while the run stays running.
    const waiting = await until("Slurm's reason for the requeued job", async () => {
      const j = await job(run.id);
      return j.schedulerState === "PENDING" && j.schedulerReason === "BeginTime" && j;
    });
    expect(waiting.status).toBe("running");
    execFileSync("scontrol", ["update", `JobId=${slurmId}`, "StartTime=now"]);
    await until("running again", async () => (await job(run.id)).schedulerState === "RUNNING", 60_000, () => JSON.stringify(slurmJob(slurmId)));
    const done = await status(run.id, "succeeded", "failed");
    expect(done).toMatchObject({ status: "succeeded", exitCode: 0, schedulerState: "COMPLETED" });
    // Both attempts' output, in order (sbatch --open-mode=append), and sacct -c's two records read right.
    const log = await lines(run.id);
    expect(log.at(-1)).toBe("done");
    expect(log.filter((l) => l === "line 1")).toHaveLength(2);
  }, 120_000);

  it("sbatch refusing the job (a partition Slurm does not have): the run fails with Slurm's message", async () => {
    await settings({ partition: "nope" });
    const run = await launch({ name: "bad-partition", command: "echo never", gpus: { count: 1, type: "h100" } });
    const failed = await status(run.id, "failed", "succeeded");
    expect(failed.status).toBe("failed");
    expect(failed.message).toBe("Slurm refused the job (sbatch): invalid partition specified: nope; Batch job submission failed: Invalid partition name specified");
    expect(failed.schedulerJobId).toBeNull();
    expect((await lines(run.id)).at(-1)).toBe(`[ferry-agent] ${failed.message}`);
    await settings({});
  }, 60_000);
});
