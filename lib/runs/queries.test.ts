import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { runJobs } from "@/db/schema";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { claimRuns } from "@/lib/clusters/scheduler";
import { setQuota } from "@/lib/clusters/service";
import { addCluster } from "@/lib/clusters/testing";
import { getJobView, getRunStatusView } from "./queries";
import { launchRunSchema } from "./schemas";
import { launchRun } from "./service";

// The run page's job (and GET …/runs/{id}) on clusters with their own scheduler: the job id, state
// and reason the agent reported, the cluster's executor, and why a queued run waits for one.

describe(`run job view on ${testDbKind}`, () => {
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

  it("returns the scheduler's job id, state and reason of a run waiting in Slurm, and the executor", async () => {
    const c = await addCluster(t.db, admin, "slurm-view", [{ type: "h100", count: 4 }], "slurm");
    const run = await launch({ command: "train", gpus: { count: 2, type: "h100" }, cluster: "slurm-view" });
    // Before the agent takes it: queued, with why.
    const queued = (await getJobView(t.db, org.project, run.id, 60_000))!;
    expect(queued).toMatchObject({ status: "queued", executor: null, scheduler: null });
    expect(queued.queue).toEqual({ position: 1, reason: "slurm-view has 2 × H100; waiting for its agent to submit the run to Slurm" });

    expect((await claimRuns(t.db, c.id, 10)).map((r) => r.runId)).toEqual([run.id]);
    expect(await getJobView(t.db, org.project, run.id, 60_000)).toMatchObject({ status: "scheduled", cluster: "slurm-view", executor: "slurm", scheduler: null, queue: null });

    await t.db.execute(
      sql`update run_jobs set scheduler_job_id = '42', scheduler_state = 'PENDING', scheduler_reason = 'Resources', scheduler_updated_at = now() where run_id = ${run.id}`,
    );
    const view = (await getJobView(t.db, org.project, run.id, 60_000))!;
    expect(view).toMatchObject({ status: "scheduled", executor: "slurm", scheduler: { jobId: "42", state: "PENDING", reason: "Resources" } });
    expect(Date.parse(view.scheduler!.updatedAt!)).toBeGreaterThan(Date.now() - 60_000);

    const api = (await getRunStatusView(t.db, org.project, run.id, 60_000))!;
    expect(api).toMatchObject({ status: "scheduled", cluster: "slurm-view", scheduler: { jobId: "42", state: "PENDING", reason: "Resources" } });
    expect(Object.keys(api.scheduler!).sort()).toEqual(["jobId", "reason", "state"]);

    // Another project sees nothing of it.
    const other = await createFixtureOrg(t.db);
    expect(await getJobView(t.db, other.project, run.id, 60_000)).toBeNull();

    await t.db.update(runJobs).set({ status: "cancelled", finishedAt: new Date() }).where(eq(runJobs.runId, run.id));
  });

  it("names a Kubernetes job as the agent reported it, and has no scheduler for local clusters", async () => {
    const k = await addCluster(t.db, admin, "kube-view", [{ type: "l4", count: 3 }], "kubernetes");
    const run = await launch({ command: "train", gpus: { count: 1, type: "l4" }, cluster: "kube-view" });
    await claimRuns(t.db, k.id, 10);
    const reason = "Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.";
    await t.db.execute(sql`update run_jobs set scheduler_job_id = ${`ml/ferry-${run.id}`}, scheduler_state = 'Pending', scheduler_reason = ${reason} where run_id = ${run.id}`);
    expect(await getJobView(t.db, org.project, run.id, 60_000)).toMatchObject({
      executor: "kubernetes",
      scheduler: { jobId: `ml/ferry-${run.id}`, state: "Pending", reason, updatedAt: null },
    });
    await t.db.update(runJobs).set({ status: "cancelled", finishedAt: new Date() }).where(eq(runJobs.runId, run.id));

    const l = await addCluster(t.db, admin, "local-view", [{ type: "a100", count: 1 }]);
    const local = await launch({ command: "train", gpus: { count: 1, type: "a100" }, cluster: "local-view" });
    await claimRuns(t.db, l.id, 10);
    expect(await getJobView(t.db, org.project, local.id, 60_000)).toMatchObject({ status: "scheduled", executor: "local", scheduler: null });
    expect((await getRunStatusView(t.db, org.project, local.id, 60_000))!.scheduler).toBeNull();
    await t.db.update(runJobs).set({ status: "cancelled", finishedAt: new Date() }).where(eq(runJobs.runId, local.id));
    await t.db.execute(sql`delete from gpu_allocations`);
  });

  it("counts runs waiting in Slurm against the project's quota when saying why a run waits", async () => {
    const c = await addCluster(t.db, admin, "slurm-quota", [{ type: "h100", count: 8 }], "slurm");
    await setQuota(t.db, admin, c, { projectId: org.project.id, maxGpus: 2 });
    const first = await launch({ command: "one", gpus: { count: 2, type: "h100" }, cluster: "slurm-quota" });
    const second = await launch({ command: "two", gpus: { count: 2, type: "h100" }, cluster: "slurm-quota" });
    expect((await claimRuns(t.db, c.id, 10)).map((r) => r.runId)).toEqual([first.id]);
    expect((await getJobView(t.db, org.project, second.id, 60_000))!.queue).toEqual({
      position: 1,
      reason: "waiting for the project's GPU quota on slurm-quota: 2 of 2 in use",
    });
    await t.db.execute(sql`update run_jobs set status = 'cancelled' where run_id in (${first.id}, ${second.id})`);
  });
});

// The words the run page puts on those reasons (components/runs/scheduler.ts; pure, tested here
// because Vitest only collects lib/ and db/).
describe("scheduler reasons in words", () => {
  it("explains Slurm's common reasons and always keeps Slurm's own word first", async () => {
    const { describeSchedulerReason, meaningfulReason, schedulerWait } = await import("@/components/runs/scheduler");
    expect(schedulerWait("slurm", "Resources")).toEqual({ lead: "Waiting in Slurm's queue", detail: "Resources (the GPUs it asks for are in use)" });
    const cases: [string, RegExp][] = [
      ["Priority", /higher priority/],
      ["QOSMaxGRESPerUser", /^QOSMaxGRESPerUser \(a GPU limit of the Slurm account or QOS/],
      ["AssocGrpGRES", /GPU limit/],
      ["AssocGrpCpuLimit", /a limit of the Slurm account or QOS/],
      ["QOSMaxJobsPerUserLimit", /a limit of the Slurm account or QOS/],
      ["ReqNodeNotAvail, UnavailableNodes:gpu[01-02]", /^ReqNodeNotAvail, UnavailableNodes:gpu\[01-02\] \(a node it needs is unavailable/],
      ["PartitionDown", /partition is down/],
      ["BeginTime", /start time/],
      ["Dependency", /depends on/],
      ["JobHeldUser", /on hold \(scontrol release/],
      ["JobHeldAdmin", /administrator/],
    ];
    for (const [reason, words] of cases) expect(describeSchedulerReason("slurm", reason)).toMatch(words);
    expect(describeSchedulerReason("slurm", "SomethingNew")).toBe("SomethingNew");
    const k8s = "Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.";
    expect(schedulerWait("kubernetes", k8s)).toEqual({ lead: "Waiting in Kubernetes", detail: k8s });
    expect([meaningfulReason("None"), meaningfulReason(" "), meaningfulReason(null), meaningfulReason("Priority")]).toEqual([null, null, null, "Priority"]);
  });
});
