import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { queryRows } from "@/db";
import { clusters, runJobs, runs } from "@/db/schema";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { appendLogs, claim, heartbeat, hello, reportStatus, StaleClaimError, LogGapError } from "./agent";
import { claimRuns, sweepOfflineClusters } from "./scheduler";
import { addCluster, queueSyntheticRuns, runClaimRace, testTimings } from "./testing";
import { rotateAgentToken, setQuota } from "./service";
import { hashApiToken } from "@/lib/auth/tokens";
import { cancelRun, launchRun } from "@/lib/runs/service";
import { launchRunSchema } from "@/lib/runs/schemas";
import { getJobView } from "@/lib/runs/queries";

// The scheduler on a real database: claims, quotas, priority, fencing, lost agents. The concurrency
// test runs 16 claimers at once; on PGlite (one connection) they interleave, on PostgreSQL they race.

describe(`scheduler on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let admin: Actor;
  let ds: Actor;

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    admin = await resolveActor(t.db, org.users.admin.claims);
    ds = await resolveActor(t.db, org.users.dataScientist.claims);
  });
  afterAll(() => t?.close());

  const launch = (body: unknown) => launchRun(t.db, ds, org.project, launchRunSchema.parse(body));
  const end = async () => {
    // Leave no queued run behind for the next test.
    await t.db.execute(sql`update run_jobs set status = 'cancelled' where status in ('queued', 'scheduled', 'running')`);
    await t.db.execute(sql`delete from gpu_allocations`);
  };

  it("hands out free GPUs by priority then FIFO, never more than the inventory, and honours quotas", async () => {
    const c = await addCluster(t.db, admin, "prio", [{ type: "h100", count: 4 }]);
    const a = await launch({ command: "train a", gpus: { count: 2, type: "h100" }, cluster: "prio" });
    const b = await launch({ command: "train b", gpus: { count: 2, type: "h100" }, cluster: "prio" });
    const urgent = await launch({ command: "train urgent", gpus: { count: 3, type: "h100" }, cluster: "prio", priority: 5 });
    const first = await claimRuns(t.db, c.id, 10);
    // urgent (priority 5) first; then a does not fit in the 1 GPU left, nor b.
    expect(first.map((r) => r.runId)).toEqual([urgent.id]);
    expect(first[0]!.gpuIndices).toEqual([0, 1, 2]);
    const view = await getJobView(t.db, org.project, a.id, 60_000);
    expect(view!.queue).toEqual({ position: 1, reason: "waiting for 2 × H100: 3 of 4 in use on prio" });
    await reportStatus(t.db, c, { id: urgent.id, fence: first[0]!.fence, status: "running", at: Date.now() });
    await reportStatus(t.db, c, { id: urgent.id, fence: first[0]!.fence, status: "succeeded", at: Date.now(), exitCode: 0 });
    const second = await claimRuns(t.db, c.id, 10);
    expect(second.map((r) => r.runId)).toEqual([a.id, b.id]);
    expect(second.flatMap((r) => r.gpuIndices).sort()).toEqual([0, 1, 2, 3]);

    // A quota of 2 GPUs for the project on this cluster: one 2-GPU run at a time.
    for (const r of second) await reportStatus(t.db, c, { id: r.runId, fence: r.fence, status: "failed", at: Date.now(), exitCode: 1 });
    await setQuota(t.db, admin, c, { projectId: org.project.id, maxGpus: 2 });
    const q1 = await launch({ command: "q1", gpus: { count: 2, type: "h100" }, cluster: "prio" });
    const q2 = await launch({ command: "q2", gpus: { count: 2, type: "h100" }, cluster: "prio" });
    expect((await claimRuns(t.db, c.id, 10)).map((r) => r.runId)).toEqual([q1.id]);
    expect((await getJobView(t.db, org.project, q2.id, 60_000))!.queue!.reason).toBe("waiting for the project's GPU quota on prio: 2 of 2 in use");
    // Only runs competing for the same GPUs count as ahead: a CPU-only run launched later is first in its own line.
    const cpu = await launch({ command: "cpu", cluster: "prio" });
    expect((await getJobView(t.db, org.project, cpu.id, 60_000))!.queue!.position).toBe(1);
    expect((await getJobView(t.db, org.project, q2.id, 60_000))!.queue!.position).toBe(1);
    await expect(launch({ command: "too big for quota", gpus: { count: 3, type: "h100" }, cluster: "prio" })).rejects.toThrow(
      "This project's GPU quota on prio is 2; the run asks for 3.",
    );
    await setQuota(t.db, admin, c, { projectId: org.project.id, maxGpus: null });
    await end();
  });

  it("CPU-only runs, 'any' GPU type, and container images only on non-local clusters", async () => {
    const local = await addCluster(t.db, admin, "cpu-box", [], "local");
    const cpu = await launch({ command: "echo hi", cluster: "cpu-box" });
    await expect(launch({ command: "x", cluster: "cpu-box", code: { image: "ghcr.io/acme/train:1" } })).rejects.toThrow(/cannot run a container image/);
    const claimed = await claimRuns(t.db, local.id, 5);
    expect(claimed.map((r) => [r.runId, r.gpuIndices])).toEqual([[cpu.id, []]]);
    const mixed = await addCluster(t.db, admin, "mixed", [{ type: "a100", count: 2 }, { type: "l4", count: 6 }]);
    const any = await launch({ command: "any type", gpus: { count: 4 }, cluster: "mixed" });
    const got = await claimRuns(t.db, mixed.id, 5);
    expect(got).toMatchObject([{ runId: any.id, gpuType: "l4", gpuIndices: [0, 1, 2, 3] }]);
    await end();
  });

  it("Slurm and Kubernetes clusters: a run that fits one node is handed out whatever is free (their scheduler queues it), without devices; quotas over runs handed out; images only on Kubernetes; submitted runs outlive a silent agent for the scheduler grace", async () => {
    const slurm = await addCluster(t.db, admin, "slurm-q", [], "slurm");
    // Slurm has handed out 7 of its 8 H100s (to anyone); 4 at most on one node.
    await hello(t.db, slurm, { protocol: 1, agentVersion: "t", hostname: "login", executor: "slurm", inventory: { gpus: [{ type: "h100", count: 8, allocated: 7, perNode: 4 }] }, jobs: [] }, testTimings);
    const a = await launch({ command: "a", gpus: { count: 4, type: "h100" }, cluster: "slurm-q" });
    const b = await launch({ command: "b", gpus: { count: 4, type: "h100" }, cluster: "slurm-q" });
    await expect(launch({ command: "image", cluster: "slurm-q", code: { image: "ghcr.io/acme/train:1" } })).rejects.toThrow(
      'Cluster "slurm-q" runs jobs as Slurm batch jobs and cannot run a container image. Launch on a Kubernetes cluster, or give a git repository instead.',
    );
    await expect(launch({ command: "x", gpus: { count: 8, type: "h100" }, cluster: "slurm-q" })).rejects.toThrow(
      'Cluster "slurm-q" cannot run 8 × H100: it has 8 × H100 (at most 4 on one node).',
    );
    const got = await claimRuns(t.db, slurm.id, 10);
    expect(got.map((r) => [r.runId, r.gpuType, r.gpuIndices])).toEqual([
      [a.id, "h100", []],
      [b.id, "h100", []],
    ]);
    expect(await queryRows(t.db, sql`select * from gpu_allocations where cluster_id = ${slurm.id}`)).toEqual([]);
    // A quota counts the GPUs of the project's runs handed out and not ended: 8 of 8 now.
    await setQuota(t.db, admin, slurm, { projectId: org.project.id, maxGpus: 8 });
    await launch({ command: "c", gpus: { count: 1, type: "h100" }, cluster: "slurm-q" });
    expect(await claimRuns(t.db, slurm.id, 10)).toEqual([]);
    await setQuota(t.db, admin, slurm, { projectId: org.project.id, maxGpus: null });

    // a was submitted (Slurm job 41, pending); b not yet. The agent goes silent past the offline timeout.
    const [ca] = got;
    await reportStatus(t.db, slurm, { id: a.id, fence: ca!.fence, status: "pending", at: Date.now(), scheduler: { jobId: "41", state: "PENDING", reason: "Resources" } });
    expect(await t.db.select({ s: runJobs.status, id: runJobs.schedulerJobId, r: runJobs.schedulerReason }).from(runJobs).where(eq(runJobs.runId, a.id))).toEqual([
      { s: "scheduled", id: "41", r: "Resources" },
    ]);
    await t.db.execute(sql`update clusters set last_seen_at = now() - interval '120 seconds' where id = ${slurm.id}`);
    expect(await sweepOfflineClusters(t.db, 60_000)).toEqual({ lost: [], requeued: [] });
    const swept = await sweepOfflineClusters(t.db, 60_000, 100_000);
    // Submitted: it may be running in Slurm, so it is not handed out again; b goes back to the queue.
    expect(swept).toEqual({ lost: [a.id], requeued: [b.id] });
    await end();
  });

  it("refuses at launch what no cluster can run, with a message that says why, and writes nothing", async () => {
    await addCluster(t.db, admin, "small", [{ type: "h100", count: 8 }]);
    const before = await t.counts("runs", "run_jobs", "run_params", "audit_log");
    await expect(launch({ command: "x", gpus: { count: 16, type: "h100" } })).rejects.toThrow(/No registered cluster has 16 × H100: the most on one cluster is 8 × H100/);
    await expect(launch({ command: "x", gpus: { count: 1, type: "b200" } })).rejects.toThrow("No registered cluster has B200 GPUs.");
    await expect(launch({ command: "x", gpus: { count: 1 }, cluster: "nope" })).rejects.toThrow('No cluster is named "nope"');
    await expect(launch({ command: "x", datasetVersion: { dataset: "missing", version: 3 } })).rejects.toThrow("Dataset version missing v3 does not exist in this project.");
    expect(() => launchRunSchema.parse({ command: "   " })).toThrow(/Enter the command to run/);
    expect(() => launchRunSchema.parse({ command: "train --target {target}", params: { target: "" } })).toThrow('Give the parameter \\"target\\" a value');
    expect(await t.counts("runs", "run_jobs", "run_params", "audit_log")).toEqual(before);
  });

  it("fencing: a claim taken over after the agent went silent refuses the stale agent's reports", async () => {
    const a = await addCluster(t.db, admin, "fence-a", [{ type: "t4", count: 1 }]);
    const b = await addCluster(t.db, admin, "fence-b", [{ type: "t4", count: 1 }]);
    const r1 = await launch({ command: "one", gpus: { count: 1, type: "t4" } });
    const r2 = await launch({ command: "two", gpus: { count: 1, type: "t4" } });
    const [c1] = await claimRuns(t.db, a.id, 1);
    expect(c1!.runId).toBe(r1.id);
    await reportStatus(t.db, a, { id: r1.id, fence: c1!.fence, status: "running", at: Date.now() });
    // b takes r2 so that r1's GPU type stays busy elsewhere.
    const [c2] = await claimRuns(t.db, b.id, 1);
    expect(c2!.runId).toBe(r2.id);
    // a's agent goes silent: its started run is lost; b's is not.
    await t.db.update(clusters).set({ lastSeenAt: new Date(Date.now() - 120_000) }).where(eq(clusters.id, a.id));
    const swept = await sweepOfflineClusters(t.db, 60_000);
    expect(swept).toEqual({ lost: [r1.id], requeued: [] });
    const [lost] = await t.db.select({ status: runJobs.status, message: runJobs.message }).from(runJobs).where(eq(runJobs.runId, r1.id));
    expect(lost!.status).toBe("lost");
    expect((await t.db.select({ status: runs.status }).from(runs).where(eq(runs.id, r1.id)))[0]!.status).toBe("FAILED");
    await expect(reportStatus(t.db, a, { id: r1.id, fence: c1!.fence, status: "succeeded", at: Date.now(), exitCode: 0 })).rejects.toThrow(StaleClaimError);
    await expect(appendLogs(t.db, a, { id: r1.id, fence: c1!.fence, from: 0, lines: ["late"] })).rejects.toThrow(StaleClaimError);

    // A claimed but unstarted run goes back to the queue and another agent takes it with a new fence.
    const r3 = await launch({ command: "three", gpus: { count: 1, type: "t4" } });
    await heartbeat(t.db, a, { jobs: [] });
    const [c3] = await claimRuns(t.db, a.id, 1);
    expect(c3!.runId).toBe(r3.id);
    await t.db.update(clusters).set({ lastSeenAt: new Date(Date.now() - 120_000) }).where(eq(clusters.id, a.id));
    expect(await sweepOfflineClusters(t.db, 60_000)).toEqual({ lost: [], requeued: [r3.id] });
    await reportStatus(t.db, b, { id: r2.id, fence: c2!.fence, status: "succeeded", at: Date.now(), exitCode: 0 });
    const [c3b] = await claimRuns(t.db, b.id, 1);
    expect(c3b!.runId).toBe(r3.id);
    expect(c3b!.fence).toBeGreaterThan(c3!.fence);
    await expect(reportStatus(t.db, a, { id: r3.id, fence: c3!.fence, status: "running", at: Date.now() })).rejects.toThrow(StaleClaimError);
    await expect(reportStatus(t.db, b, { id: r3.id, fence: c3!.fence, status: "running", at: Date.now() })).rejects.toThrow(StaleClaimError);
    await reportStatus(t.db, b, { id: r3.id, fence: c3b!.fence, status: "running", at: Date.now() });
    // The heartbeat tells the stale agent to forget the run, and the current one to keep it.
    expect((await heartbeat(t.db, a, { jobs: [{ id: r3.id, fence: c3!.fence }] })).verdicts).toEqual({ [r3.id]: "forget" });
    expect((await heartbeat(t.db, b, { jobs: [{ id: r3.id, fence: c3b!.fence }] })).verdicts).toEqual({ [r3.id]: "keep" });
    await end();
  });

  it("logs: consecutive lines, retries ignored, gaps refused", async () => {
    const c = await addCluster(t.db, admin, "logs", []);
    const r = await launch({ command: "echo", cluster: "logs" });
    const [j] = await claimRuns(t.db, c.id, 1);
    const ref = { id: r.id, fence: j!.fence };
    expect(await appendLogs(t.db, c, { ...ref, from: 0, lines: ["a", "b"] })).toEqual({ next: 2 });
    expect(await appendLogs(t.db, c, { ...ref, from: 1, lines: ["b", "c\u0000"] })).toEqual({ next: 3 });
    await expect(appendLogs(t.db, c, { ...ref, from: 5, lines: ["x"] })).rejects.toMatchObject({ next: 3 });
    await expect(appendLogs(t.db, c, { ...ref, from: 5, lines: ["x"] })).rejects.toThrow(LogGapError);
    const rows = await queryRows<{ line_no: number; text: string }>(t.db, sql`select line_no::int, text from run_log_lines where run_id = ${r.id} order by line_no`);
    expect(rows.map((x) => [Number(x.line_no), x.text])).toEqual([[0, "a"], [1, "b"], [2, "c\uFFFD"]]);
    await end();
  });

  it("claim long-polls until a run fits, and wakes on launch", async () => {
    const c = await addCluster(t.db, admin, "poll", [{ type: "l4", count: 1 }]);
    const pending = claim(t.db, c, 1, 5_000);
    await new Promise((r) => setTimeout(r, 100));
    const r = await launch({ command: "wake", gpus: { count: 1, type: "l4" }, cluster: "poll" });
    const jobs = await pending;
    expect(jobs.map((j) => j.id)).toEqual([r.id]);
    expect(jobs[0]).toMatchObject({ command: "wake", gpus: { type: "l4", count: 1, indices: [0] }, projectSlug: org.project.slug, experimentId: org.project.id });
    expect(jobs[0]!.runToken).toMatch(/^ferryrun_/);
    await end();
  });

  it("a backlog over its quota does not starve another project's runs", async () => {
    const c = await addCluster(t.db, admin, "starve", [{ type: "l4", count: 2 }]);
    await setQuota(t.db, admin, c, { projectId: org.project.id, maxGpus: 0 });
    const other = await createFixtureOrg(t.db);
    await queueSyntheticRuns(t.db, org.users.dataScientist.id, Array.from({ length: 250 }, () => ({ projectId: org.project.id, gpuCount: 1, gpuType: "l4", priority: 5, clusterId: c.id })));
    const [b] = await queueSyntheticRuns(t.db, other.users.dataScientist.id, [{ projectId: other.project.id, gpuCount: 2, gpuType: "l4", clusterId: c.id }]);
    expect((await claimRuns(t.db, c.id, 4)).map((r) => r.runId)).toEqual([b]);
    await end();
    await t.db.execute(sql`delete from runs where name like 'synthetic-%'`);
  });

  it("runs a live agent no longer lists: unstarted ones go back to the queue (or end, if cancelled), started ones are lost", async () => {
    const c = await addCluster(t.db, admin, "forgetful", [{ type: "t4", count: 3 }]);
    const started = await launch({ command: "a", gpus: { count: 1, type: "t4" }, cluster: "forgetful" });
    const unstarted = await launch({ command: "b", gpus: { count: 1, type: "t4" }, cluster: "forgetful" });
    const cancelled = await launch({ command: "c", gpus: { count: 1, type: "t4" }, cluster: "forgetful" });
    const claimed = await claimRuns(t.db, c.id, 3);
    expect(claimed).toHaveLength(3);
    const s = claimed.find((x) => x.runId === started.id)!;
    await reportStatus(t.db, c, { id: s.runId, fence: s.fence, status: "running", at: Date.now() });
    await cancelRun(t.db, ds, org.project, cancelled.id);
    // A heartbeat listed before the claims (a retried old message) changes nothing...
    await t.db.update(runJobs).set({ scheduledAt: new Date(Date.now() - 60_000) }).where(eq(runJobs.clusterId, c.id));
    await heartbeat(t.db, c, { jobs: [], listedAt: Date.now() - 120_000 });
    expect((await t.db.select({ s: runJobs.status }).from(runJobs).where(eq(runJobs.clusterId, c.id))).map((r) => r.s).sort()).toEqual(["running", "scheduled", "scheduled"]);
    // ...a current one that lists none of them settles all three and frees their GPUs.
    await heartbeat(t.db, c, { jobs: [], listedAt: Date.now() });
    const state = async (id: string) => (await t.db.select({ s: runJobs.status }).from(runJobs).where(eq(runJobs.runId, id)))[0]!.s;
    expect([await state(started.id), await state(unstarted.id), await state(cancelled.id)]).toEqual(["lost", "queued", "cancelled"]);
    expect(await queryRows(t.db, sql`select * from gpu_allocations where cluster_id = ${c.id}`)).toEqual([]);
    await end();
  });

  it("an agent running another executor than its cluster's is refused", async () => {
    const c = await addCluster(t.db, admin, "k8s", [], "kubernetes");
    await expect(hello(t.db, c, { protocol: 1, agentVersion: "t", hostname: "h", executor: "local", inventory: { gpus: [] }, jobs: [] }, testTimings)).rejects.toThrow(
      "Cluster k8s is registered with the kubernetes executor; this agent runs the local executor. Start the agent with --executor kubernetes.",
    );
  });

  it("a long poll that began before a token rotation hands out nothing", async () => {
    const c = await addCluster(t.db, admin, "rotating", [{ type: "l4", count: 1 }]);
    const pending = claim(t.db, { ...c, tokenHash: hashApiToken(c.token) }, 1, 1_500);
    await new Promise((r) => setTimeout(r, 100));
    await rotateAgentToken(t.db, admin, c);
    const r = await launch({ command: "after rotation", gpus: { count: 1, type: "l4" }, cluster: "rotating" });
    expect(await pending).toEqual([]);
    expect((await getJobView(t.db, org.project, r.id, 60_000))!.status).toBe("queued");
    await end();
  });

  const scale = testDbKind === "postgres" ? { claimers: 16, runs: 2000 } : { claimers: 16, runs: 300 };

  it(`${scale.claimers} concurrent claimers × ${scale.runs} queued runs: each claimed once, GPUs and quotas never exceeded`, async () => {
    const other = await createFixtureOrg(t.db);
    const race = await runClaimRace(t.db, admin, {
      claimers: scale.claimers,
      clusters: 6,
      runs: scale.runs,
      userId: org.users.dataScientist.id,
      projectIds: [org.project.id, other.project.id],
      seed: 42,
    });
    expect(race.violations).toEqual([]);
    expect(race.samples).toBeGreaterThan(0);
    expect(race.claimed).toBe(scale.runs);
    expect(race.claimedTwice).toBe(0);
    expect(race.staleReportRefused).toBe(true);
    const statuses = await queryRows<{ status: string; n: number }>(t.db, sql`select status, count(*)::int as n from run_jobs where command = 'true' group by status`);
    expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([["succeeded", scale.runs]]);
    expect(await queryRows(t.db, sql`select * from gpu_allocations`)).toEqual([]);
  }, 600_000);
});
