import { spawn, type ChildProcess } from "node:child_process";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { monitoringAlerts, pipelineRuns, pipelineTriggers, schedulerLeases } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { demoSubscribersCsv } from "@/db/demo-data";
import { request } from "@/lib/actions/testing";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { until } from "@/lib/clusters/testing-agent";

// The pipeline scheduler's guarantees: one lease holder at a time, each trigger event fired once
// (also when two processes try at once), schedules missed while down fired once at start-up.

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());

const { createDataset, registerUpload } = await import("@/lib/datasets/service");
const { createRegisteredModel } = await import("@/lib/models/service");
const { savePipeline } = await import("./service");
const { pipelineInputSchema } = await import("./schemas");
const { acquireLease, releaseLease } = await import("./scheduler");
const { fireTriggers } = await import("./engine");

describe(`pipeline scheduler on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let mle: Actor;
  let n = 0;

  /** A pipeline on its own dataset, with the given triggers; its runs fail at validation for want of a cluster, which does not matter here. */
  async function pipeline(triggers: Record<string, unknown>) {
    const tag = `${++n}`;
    await createDataset(t.db, mle, org.project, { name: `data-${tag}`, description: "" });
    await createRegisteredModel(t.db, mle, org.project, { name: `model-${org.tag}-${testDbKind}-${tag}` });
    const saved = await savePipeline(
      t.db,
      mle,
      org.project,
      pipelineInputSchema.parse({ name: `p-${tag}`, model: `model-${org.tag}-${testDbKind}-${tag}`, dataset: `data-${tag}`, template: { command: "true" }, triggers }),
    );
    return { ...saved, dataset: `data-${tag}` };
  }
  const upload = (dataset: string, rows: number) => registerUpload(t.db, mle, org.project, dataset, { filename: "d.csv", body: [new TextEncoder().encode(demoSubscribersCsv(1, rows))] });
  const runsOf = (pipelineId: string) => t.db.select().from(pipelineRuns).where(eq(pipelineRuns.pipelineId, pipelineId)).orderBy(pipelineRuns.number);
  /** Runs this pass started for pipeline `p` (other tests' pipelines may fire in the same pass). */
  const fire = async (p: { id: string }, now?: Date) => {
    const fired = await fireTriggers(t.db, now);
    const mine = new Set((await runsOf(p.id)).map((r) => r.id));
    return fired.filter((f) => mine.has(f.pipelineRunId));
  };
  const setCursor = (pipelineId: string, cursor: string) => t.db.update(pipelineTriggers).set({ cursor }).where(eq(pipelineTriggers.pipelineId, pipelineId));

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    request.db = t.db;
    mle = await resolveActor(t.db, org.users.mlEngineer.claims);
    await resolveActor(t.db, org.users.admin.claims).then((admin) =>
      import("@/lib/clusters/service").then(({ registerCluster }) => registerCluster(t.db, admin, { name: `sched-${org.tag}`, executor: "local", description: "", costPerGpuHour: null })),
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it("one lease holder at a time; another takes over only after it expires", async () => {
    expect(await acquireLease(t.db, "a", 60_000, "test-lease")).toBe(true);
    expect(await acquireLease(t.db, "b", 60_000, "test-lease")).toBe(false);
    expect(await acquireLease(t.db, "a", 300, "test-lease")).toBe(true);
    await new Promise((r) => setTimeout(r, 400));
    expect(await acquireLease(t.db, "b", 60_000, "test-lease")).toBe(true);
    expect(await acquireLease(t.db, "a", 60_000, "test-lease")).toBe(false);
    await releaseLease(t.db, "a", "test-lease");
    expect((await t.db.select().from(schedulerLeases).where(eq(schedulerLeases.name, "test-lease")))[0]?.holder).toBe("b");
  });

  it("a new dataset version fires its trigger once, also with two passes at the same moment; versions before the trigger do not", async () => {
    const p = await pipeline({ datasetVersion: true });
    expect(await fire(p)).toEqual([]);
    const v1 = await upload(p.dataset, 50);
    const [a, b] = await Promise.all([fire(p), fire(p)]);
    expect(a.length + b.length).toBe(1);
    expect(await fire(p)).toEqual([]);
    const runs = await runsOf(p.id);
    expect(runs.map((r) => [r.number, r.trigger, r.triggerKey, r.triggerDetail])).toEqual([[1, "dataset_version", `dataset_version:${v1.id}`, `${p.dataset} v1 uploaded`]]);
    expect(runs[0]!.actorId).toBe(mle.id);
    // Two versions between passes: one run, on the newest.
    await upload(p.dataset, 60);
    const v3 = await upload(p.dataset, 70);
    expect((await fire(p)).length).toBe(1);
    const last = (await runsOf(p.id)).at(-1)!;
    expect(last).toMatchObject({ number: 2, datasetVersionId: v3.id, triggerDetail: `${p.dataset} v3 uploaded (1 earlier new version skipped: the newest data wins)` });
  });

  it("a schedule missed for days fires once at start-up, for the latest tick, then at its next tick", async () => {
    const p = await pipeline({ schedule: "0 * * * *" });
    await setCursor(p.id, "2026-11-20T00:00:00.000Z");
    const now = new Date("2026-11-23T10:20:00Z");
    expect((await fire(p, now)).length).toBe(1);
    expect(await fire(p, now)).toEqual([]);
    expect(await fire(p, new Date("2026-11-23T10:59:59Z"))).toEqual([]);
    expect((await fire(p, new Date("2026-11-23T11:00:00Z"))).length).toBe(1);
    const runs = await runsOf(p.id);
    expect(runs.map((r) => r.triggerKey)).toEqual(["schedule:2026-11-23T10:00:00.000Z", "schedule:2026-11-23T11:00:00.000Z"]);
    expect(runs[0]!.triggerDetail).toBe('Schedule "0 * * * *" (UTC): the 2026-11-23 10:00 tick, fired late: Ferry was not running then');
  });

  it("a disabled pipeline's triggers do not fire, and enabling it does not fire for what happened meanwhile", async () => {
    const p = await pipeline({ datasetVersion: true });
    const input = { name: p.name, model: `model-${org.tag}-${testDbKind}-${n}`, dataset: p.dataset, template: { command: "true" }, triggers: { datasetVersion: true } };
    await savePipeline(t.db, mle, org.project, pipelineInputSchema.parse({ ...input, enabled: false }), p.name);
    await upload(p.dataset, 80);
    expect(await fire(p)).toEqual([]);
    await savePipeline(t.db, mle, org.project, pipelineInputSchema.parse({ ...input, enabled: true }), p.name);
    expect(await fire(p)).toEqual([]);
    await upload(p.dataset, 90);
    expect((await fire(p)).length).toBe(1);
  });

  it("a run keeps what the pipeline said when it was created: later edits do not change it", async () => {
    const p = await pipeline({});
    const { startPipelineRun } = await import("./service");
    const run = await startPipelineRun(t.db, mle, org.project, p.name, { params: {} }, "manual");
    const input = { name: p.name, model: `model-${org.tag}-${testDbKind}-${n}`, dataset: p.dataset, template: { command: "python train.py --new" }, promoteTo: ["production"], artifactPath: "out/model" };
    await savePipeline(t.db, mle, org.project, pipelineInputSchema.parse(input), p.name);
    const [row] = await t.db.select().from(pipelineRuns).where(eq(pipelineRuns.id, run.id));
    const [saved] = await t.db.execute(sql`select model_id, dataset_id from pipelines where id = ${p.id}`).then((r) => (r as unknown as { rows: { model_id: string; dataset_id: string }[] }).rows);
    expect(row!.spec).toMatchObject({ modelId: saved!.model_id, datasetId: saved!.dataset_id, template: { command: "true" }, artifactPath: "model", promoteTo: ["staging"] });
  });

  it("a drift alert on the model fires once per alert; alerts opened before the trigger do not", async () => {
    const p = await pipeline({ driftAlert: true });
    const [{ id: modelId }] = (await t.db.execute(sql`select model_id as id from pipelines where id = ${p.id}`).then((r) => (r as unknown as { rows: { id: string }[] }).rows)) as [{ id: string }];
    const open = (at: Date) =>
      t.db
        .insert(monitoringAlerts)
        .values({ projectId: org.project.id, modelId, kind: "drift", summary: "Batch b: 3 of 5 columns drifted", detail: {}, openedAt: at, lastSeenAt: at })
        .returning({ id: monitoringAlerts.id })
        .then((r) => r[0]!.id);
    const resolve = (id: string) => t.db.update(monitoringAlerts).set({ status: "resolved", resolvedAt: new Date() }).where(eq(monitoringAlerts.id, id));
    const old = await open(new Date(Date.now() - 3_600_000));
    expect(await fire(p)).toEqual([]);
    await resolve(old);
    const alert = await open(new Date());
    expect((await fire(p)).length).toBe(1);
    expect(await fire(p)).toEqual([]);
    const [run] = await runsOf(p.id);
    expect(run).toMatchObject({ trigger: "drift_alert", triggerKey: `drift_alert:${alert}`, triggerDetail: "Drift alert in production: Batch b: 3 of 5 columns drifted" });
  });

  describe.runIf(testDbKind === "postgres")("two server processes on one PostgreSQL", () => {
    const procs: { proc: ChildProcess; out: () => string; exited: Promise<unknown> }[] = [];
    const spawnScheduler = (holder: string) => {
      let out = "";
      const proc = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "lib/pipelines/testing-scheduler-process.ts"], {
        env: { ...process.env, FERRY_TEST_PROCESS_DB: t.url, FERRY_TEST_HOLDER: holder, FERRY_TEST_TICK_MS: "150", FERRY_TEST_LEASE_MS: "1500", FERRY_LOG_QUIET: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      proc.stdout!.on("data", (d) => (out += d));
      proc.stderr!.on("data", (d) => (out += d));
      const p = { proc, out: () => out, exited: new Promise((r) => proc.on("exit", r)) };
      procs.push(p);
      return p;
    };
    afterAll(async () => {
      for (const p of procs) p.proc.kill("SIGKILL");
      await Promise.all(procs.map((p) => p.exited));
    });

    it("each trigger event fires exactly once; when the lease holder dies, the other process takes over and fires the next event once", async () => {
      const p = await pipeline({ datasetVersion: true, schedule: "* * * * *" });
      // The schedule was last handled ten minutes ago: both processes find it due the moment they start.
      await setCursor(p.id, new Date(Date.now() - 10 * 60_000).toISOString());
      await t.db.execute(sql`update pipeline_triggers set cursor = '0' where pipeline_id = ${p.id} and kind = 'dataset_version'`);
      const one = spawnScheduler("process-one");
      const two = spawnScheduler("process-two");
      await until("both scheduler processes to start", async () => one.out().includes("ready") && two.out().includes("ready"), 60_000, () => one.out() + two.out());
      const v1 = await upload(p.dataset, 55);
      await until("two runs (the missed tick and the new version)", async () => (await runsOf(p.id)).length >= 2, 30_000, () => one.out() + two.out());
      // Many more ticks of both processes: still one run per event.
      await new Promise((r) => setTimeout(r, 1500));
      let runs = await runsOf(p.id);
      const keys = runs.map((r) => r.triggerKey);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.filter((k) => k === `dataset_version:${v1.id}`)).toHaveLength(1);
      // The schedule fires once per minute: at most one more if a minute turned meanwhile.
      expect(keys.filter((k) => k?.startsWith("schedule:")).length).toBeLessThanOrEqual(2);
      const [lease] = await t.db.select().from(schedulerLeases).where(eq(schedulerLeases.name, "pipelines"));
      const leader = lease!.holder === "process-one" ? one : two;
      const follower = leader === one ? two : one;
      const fired = (s: string) => (s.match(/pipeline trigger \w+ fired/g) ?? []).length;
      expect(fired(follower.out())).toBe(0);
      expect(fired(leader.out())).toBe(runs.length);

      leader.proc.kill("SIGKILL");
      await leader.exited;
      const v2 = await upload(p.dataset, 65);
      await until("the other process to take over and fire for the new version", async () => (await runsOf(p.id)).some((r) => r.triggerKey === `dataset_version:${v2.id}`), 30_000, () => follower.out());
      await new Promise((r) => setTimeout(r, 1000));
      runs = await runsOf(p.id);
      expect(runs.filter((r) => r.triggerKey === `dataset_version:${v2.id}`)).toHaveLength(1);
      const [after] = await t.db.select().from(schedulerLeases).where(eq(schedulerLeases.name, "pipelines"));
      expect(after!.holder).toBe(follower === one ? "process-one" : "process-two");
      expect(fired(follower.out())).toBeGreaterThanOrEqual(1);
    }, 120_000);
  });
});
