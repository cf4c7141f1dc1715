import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { auditLog, clusters } from "@/db/schema";
import { as, call, request } from "@/lib/actions/testing";
import { resolveActor } from "@/lib/auth/authorize";
import { launchRunSchema } from "@/lib/runs/schemas";
import { launchRun } from "@/lib/runs/service";
import { heartbeat, hello } from "./agent";
import { getProjectUsage, listClusters } from "./queries";
import { claimRuns } from "./scheduler";
import { testTimings } from "./testing";

// Executor settings through the edit action (Slurm: partition, time limit, account; Kubernetes:
// namespace, image; local: none), and what the cluster reads return about them and the allocation
// reported by the cluster's own scheduler.

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());

const { registerClusterAction, updateClusterAction } = await import("./actions");

const TABLES = ["clusters", "audit_log"];

describe(`cluster settings on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;

  beforeAll(async () => {
    t = await createTestDatabase();
    request.db = t.db;
    org = await createFixtureOrg(t.db);
  });
  afterAll(() => t?.close());
  beforeEach(() => as(org.users.admin.claims));

  const clusterRow = async (name: string) => (await t.db.select().from(clusters).where(eq(clusters.name, name)))[0]!;
  const edit = (cluster: string, fields: Record<string, string>) => call(updateClusterAction, { cluster, description: "", costPerGpuHour: "", ...fields });

  async function register(name: string, executor: string) {
    const res = await call(registerClusterAction, { name, executor, description: "", costPerGpuHour: "" });
    if (res.status !== "success") throw new Error(`register ${name}: ${JSON.stringify(res)}`);
    return clusterRow(name);
  }

  it("stores a Slurm cluster's partition, time limit and account, only those, and audits before and after", async () => {
    const { id } = await register("slurm-a", "slurm");
    const res = await edit("slurm-a", { partition: " gpu ", timeLimit: "04:00:00", account: "ml-team", namespace: "ml-training", image: "python:3.12-slim" });
    expect(res).toMatchObject({ status: "success", message: "Changes saved." });
    // The namespace and image are Kubernetes settings: not stored for a Slurm cluster.
    expect((await clusterRow("slurm-a")).settings).toEqual({ partition: "gpu", timeLimit: "04:00:00", account: "ml-team" });

    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, id), eq(auditLog.action, "cluster.update")));
    expect(entry!.before).toMatchObject({ settings: {} });
    expect(entry!.after).toMatchObject({ settings: { partition: "gpu", timeLimit: "04:00:00", account: "ml-team" } });

    // Empty fields clear: back to the scheduler's defaults.
    expect(await edit("slurm-a", { partition: "", timeLimit: "2-00:00:00", account: "  " })).toMatchObject({ status: "success" });
    expect((await clusterRow("slurm-a")).settings).toEqual({ timeLimit: "2-00:00:00" });
    const entries = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, id), eq(auditLog.action, "cluster.update"))).orderBy(auditLog.id);
    expect(entries.at(-1)!.before).toMatchObject({ settings: { partition: "gpu", timeLimit: "04:00:00", account: "ml-team" } });
    expect(entries.at(-1)!.after).toMatchObject({ settings: { timeLimit: "2-00:00:00" } });
  });

  it("refuses a bad time limit or partition with the field's message and changes nothing", async () => {
    await register("slurm-b", "slurm");
    await edit("slurm-b", { partition: "gpu", timeLimit: "120", description: "kept" });
    const stored = await clusterRow("slurm-b");
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ partition: "gpu", timeLimit: "4 hours" }, "timeLimit", /Time limit in Slurm's format/],
      [{ partition: "gpu queue", timeLimit: "120" }, "partition", /Partition: letters, digits/],
      [{ partition: "gpu", account: "ml team!" }, "account", /Account: letters, digits/],
    ];
    for (const [fields, field, message] of cases) {
      const before = await t.counts(...TABLES);
      const res = await edit("slurm-b", { description: "changed", ...fields });
      expect(res.status === "error" && res.fieldErrors?.[field]?.join(" "), field).toMatch(message);
      // The form gets back what was typed, to show it again.
      expect(res.status === "error" && res.values?.[field]).toBe(fields[field]);
      expect(await t.counts(...TABLES)).toEqual(before);
    }
    expect(await clusterRow("slurm-b")).toMatchObject({ description: "kept", settings: stored.settings });
  });

  it("stores a Kubernetes cluster's namespace and image, not Slurm's settings; refuses a bad namespace", async () => {
    await register("kube-a", "kubernetes");
    expect(await edit("kube-a", { namespace: "ml-training", image: "registry.example.com/ml/train:2.1", partition: "gpu" })).toMatchObject({ status: "success" });
    expect((await clusterRow("kube-a")).settings).toEqual({ namespace: "ml-training", image: "registry.example.com/ml/train:2.1" });
    const res = await edit("kube-a", { namespace: "ML_Training", image: "" });
    expect(res.status === "error" && res.fieldErrors?.namespace?.join(" ")).toMatch(/Namespace: lowercase letters/);
    expect((await clusterRow("kube-a")).settings).toEqual({ namespace: "ml-training", image: "registry.example.com/ml/train:2.1" });
    expect(await edit("kube-a", { namespace: "", image: "python:3.12-slim" })).toMatchObject({ status: "success" });
    expect((await clusterRow("kube-a")).settings).toEqual({ image: "python:3.12-slim" });
  });

  it("ignores settings for a local cluster", async () => {
    await register("local-a", "local");
    expect(await edit("local-a", { description: "workstation", partition: "gpu", timeLimit: "60", namespace: "ml", image: "python:3.12-slim" })).toMatchObject({ status: "success" });
    expect(await clusterRow("local-a")).toMatchObject({ description: "workstation", settings: {} });
  });

  it("refuses settings from those who may not manage clusters", async () => {
    await register("slurm-c", "slurm");
    as(org.users.dataScientist.claims);
    const before = await t.counts(...TABLES);
    expect(await edit("slurm-c", { partition: "mine" })).toMatchObject({ status: "error" });
    expect(await t.counts(...TABLES)).toEqual(before);
    expect((await clusterRow("slurm-c")).settings).toEqual({});
  });

  it("lists clusters with their settings and the GPUs their scheduler has allocated; Ferry's runs there count as held", async () => {
    const ds = await resolveActor(t.db, org.users.dataScientist.claims);
    const slurm = await register("slurm-inv", "slurm");
    const local = await register("local-inv", "local");
    await edit("slurm-inv", { partition: "gpu", timeLimit: "04:00:00" });
    const ref = (c: typeof slurm) => ({ id: c.id, name: c.name, executor: c.executor });
    const base = { protocol: 1 as const, agentVersion: "test", hostname: "login01", jobs: [] };
    await hello(t.db, ref(slurm), { ...base, executor: "slurm", inventory: { gpus: [{ type: "h100", count: 4, memoryMb: 81920, allocated: 2 }, { type: "l4", count: 2 }] } }, testTimings);
    await hello(t.db, ref(local), { ...base, executor: "local", inventory: { gpus: [{ type: "a100", count: 2 }] } }, testTimings);

    const byName = async () => new Map((await listClusters(t.db, 60_000)).map((c) => [c.name, c]));
    let list = await byName();
    expect(list.get("slurm-inv")).toMatchObject({
      executor: "slurm",
      settings: { partition: "gpu", timeLimit: "04:00:00" },
      gpus: [
        { type: "h100", count: 4, memoryMb: 81920, allocated: 2, inUse: 0 },
        { type: "l4", count: 2, memoryMb: null, allocated: null, inUse: 0 },
      ],
    });
    expect(list.get("local-inv")).toMatchObject({ settings: {}, gpus: [{ type: "a100", count: 2, allocated: null, inUse: 0 }] });
    // Reading one cluster by name gives the same.
    expect((await listClusters(t.db, 60_000, { name: "slurm-inv" }))[0]).toEqual(list.get("slurm-inv"));

    // A run handed to Slurm: held against the project while it waits there, in use once it runs.
    const run = await launchRun(t.db, ds, org.project, launchRunSchema.parse({ command: "train", gpus: { count: 2, type: "h100" }, cluster: "slurm-inv" }));
    expect((await claimRuns(t.db, slurm.id, 10)).map((r) => r.runId)).toEqual([run.id]);
    const held = async () => (await getProjectUsage(t.db, slurm.id)).find((u) => u.projectId === org.project.id)!.gpusInUse;
    expect(await held()).toBe(2);
    expect((await byName()).get("slurm-inv")!.gpus[0]!.inUse).toBe(0);
    await t.db.execute(sql`update run_jobs set status = 'running', started_at = now() where run_id = ${run.id}`);
    // Slurm's allocation comes with a heartbeat when it changes.
    await heartbeat(t.db, ref(slurm), { jobs: [], inventory: { gpus: [{ type: "h100", count: 4, allocated: 4 }] } });
    list = await byName();
    expect(list.get("slurm-inv")!.gpus).toEqual([{ type: "h100", count: 4, memoryMb: null, allocated: 4, inUse: 2 }]);
    expect(await held()).toBe(2);
    await t.db.execute(sql`update run_jobs set status = 'succeeded', finished_at = now() where run_id = ${run.id}`);
    expect(await held()).toBe(0);
  });
});
