import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { auditLog, clusterQuotas, clusters } from "@/db/schema";
import { as, call, request } from "@/lib/actions/testing";
import { hashApiToken } from "@/lib/auth/tokens";
import type { IssuedAgentToken } from "./actions";

// The session cookie and Next's request cache cannot exist outside a Next.js request: replaced.
vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());

const { registerClusterAction, revokeAgentTokenAction, rotateAgentTokenAction, setQuotaAction, updateClusterAction } = await import("./actions");

const TABLES = ["clusters", "cluster_quotas", "audit_log"];

describe(`cluster actions on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;

  beforeAll(async () => {
    t = await createTestDatabase();
    request.db = t.db;
    org = await createFixtureOrg(t.db);
  });
  afterAll(() => t?.close());
  beforeEach(() => as(org.users.orgOpsOutsider.claims));

  const clusterRow = async (name: string) => (await t.db.select().from(clusters).where(eq(clusters.name, name)))[0];

  async function expectNothingWritten(fn: () => Promise<unknown>) {
    const before = await t.counts(...TABLES);
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
  }

  async function register(name: string, extra: Record<string, string> = {}): Promise<IssuedAgentToken> {
    const res = await call(registerClusterAction, { name, executor: "slurm", description: "", costPerGpuHour: "", ...extra });
    if (res.status !== "success") throw new Error(`register ${name}: ${JSON.stringify(res)}`);
    return res.data as IssuedAgentToken;
  }

  for (const who of ["orgOpsOutsider", "ops", "admin"] as const) {
    it(`${who} registers a cluster and sees its agent token once; only the hash is stored`, async () => {
      as(org.users[who].claims);
      const name = `gpu-${who.toLowerCase()}`;
      const issued = await register(` ${name.toUpperCase()} `, { description: "8 × H100", costPerGpuHour: "2.5", executor: "kubernetes" });
      expect(issued).toMatchObject({ cluster: name, executor: "kubernetes" });
      expect(issued.token).toMatch(/^ferryagent_/);
      const row = await clusterRow(name);
      expect(row).toMatchObject({ executor: "kubernetes", description: "8 × H100", costPerGpuHour: 2.5, agentTokenHash: hashApiToken(issued.token) });
      expect(JSON.stringify(row)).not.toContain(issued.token);
      const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, row!.id), eq(auditLog.action, "cluster.register")));
      expect(JSON.stringify(entry)).not.toContain(issued.token);
    });
  }

  it("rotates the token (the old hash stops matching) and revokes it", async () => {
    const first = await register("rotating");
    const res = await call(rotateAgentTokenAction, { cluster: "rotating" });
    expect(res.status).toBe("success");
    const second = (res as { data: IssuedAgentToken }).data;
    expect(second).toMatchObject({ cluster: "rotating", executor: "slurm" });
    expect(second.token).not.toBe(first.token);
    expect((await clusterRow("rotating"))!.agentTokenHash).toBe(hashApiToken(second.token));

    expect(await call(revokeAgentTokenAction, { cluster: "rotating" })).toMatchObject({ status: "success" });
    expect(await clusterRow("rotating")).toMatchObject({ agentTokenHash: null, agentTokenPrefix: null, agentTokenIssuedAt: null });
    const actions = await t.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.subjectId, (await clusterRow("rotating"))!.id));
    expect(actions.map((a) => a.action)).toEqual(["cluster.register", "cluster.token.rotate", "cluster.token.revoke"]);
  });

  it("edits the description and cost; an empty cost means none", async () => {
    await register("editable", { costPerGpuHour: "3" });
    expect(await call(updateClusterAction, { cluster: "editable", description: "  Slurm at the lab  ", costPerGpuHour: "1.75" })).toMatchObject({ status: "success", message: "Changes saved." });
    expect(await clusterRow("editable")).toMatchObject({ description: "Slurm at the lab", costPerGpuHour: 1.75 });
    expect(await call(updateClusterAction, { cluster: "editable", description: "", costPerGpuHour: "" })).toMatchObject({ status: "success" });
    expect(await clusterRow("editable")).toMatchObject({ description: "", costPerGpuHour: null });
  });

  it("sets, changes and removes a project's GPU quota", async () => {
    await register("quoted");
    const quota = async () =>
      (await t.db.select({ maxGpus: clusterQuotas.maxGpus }).from(clusterQuotas).where(eq(clusterQuotas.projectId, org.project.id)))[0]?.maxGpus ?? null;
    expect(await call(setQuotaAction, { cluster: "quoted", projectId: org.project.id, maxGpus: "4" })).toMatchObject({ status: "success", message: "Quota set to 4 GPUs." });
    expect(await quota()).toBe(4);
    expect(await call(setQuotaAction, { cluster: "quoted", projectId: org.project.id, maxGpus: "0" })).toMatchObject({ status: "success" });
    expect(await quota()).toBe(0);
    expect(await call(setQuotaAction, { cluster: "quoted", projectId: org.project.id, maxGpus: " " })).toMatchObject({ status: "success", message: "Quota removed: no limit." });
    expect(await quota()).toBeNull();
  });

  it("rejects bad input with field messages and writes nothing", async () => {
    await register("taken");
    const cases: [() => Promise<{ status: string; fieldErrors?: Record<string, string[]> }>, string, RegExp][] = [
      [() => call(registerClusterAction, { name: "", executor: "slurm" }), "name", /Enter a name/],
      [() => call(registerClusterAction, { name: "Bad Name!", executor: "slurm" }), "name", /Lowercase letters/],
      [() => call(registerClusterAction, { name: "taken", executor: "slurm" }), "name", /already exists/],
      [() => call(registerClusterAction, { name: "ok-name", executor: "mainframe" }), "executor", /one of local, slurm, kubernetes/],
      [() => call(registerClusterAction, { name: "ok-name", executor: "slurm", costPerGpuHour: "-1" }), "costPerGpuHour", /between 0 and 100,000/],
      [() => call(updateClusterAction, { cluster: "taken", description: "", costPerGpuHour: "cheap" }), "costPerGpuHour", /between 0 and 100,000/],
      [() => call(setQuotaAction, { cluster: "taken", projectId: org.project.id, maxGpus: "2.5" }), "maxGpus", /whole number of GPUs/],
      [() => call(setQuotaAction, { cluster: "taken", projectId: "not-a-uuid", maxGpus: "2" }), "projectId", /Choose a project/],
      [() => call(setQuotaAction, { cluster: "taken", projectId: crypto.randomUUID(), maxGpus: "2" }), "projectId", /does not exist/],
    ];
    for (const [attempt, field, message] of cases) {
      await expectNothingWritten(async () => {
        const res = await attempt();
        expect(res.status === "error" && res.fieldErrors?.[field]?.join(" "), String(message)).toMatch(message);
      });
    }
  });

  it("names an unknown cluster and writes nothing", async () => {
    await expectNothingWritten(async () => {
      for (const res of [await call(rotateAgentTokenAction, { cluster: "nowhere" }), await call(revokeAgentTokenAction, { cluster: "nowhere" })]) {
        expect(res).toMatchObject({ status: "error", message: 'No cluster is named "nowhere".' });
      }
      expect(await call(updateClusterAction, { cluster: "nowhere", description: "", costPerGpuHour: "" })).toMatchObject({ status: "error" });
      expect(await call(setQuotaAction, { cluster: "nowhere", projectId: org.project.id, maxGpus: "1" })).toMatchObject({ status: "error" });
    });
  });

  for (const who of ["dataScientist", "mlEngineer", "manager", "outsider"] as const) {
    it(`refuses ${who} every cluster action and writes nothing`, async () => {
      as(org.users.admin.claims);
      await register(`kept-${who.toLowerCase()}`);
      const name = `kept-${who.toLowerCase()}`;
      as(org.users[who].claims);
      await expectNothingWritten(async () => {
        const results = [
          await call(registerClusterAction, { name: `by-${who.toLowerCase()}`, executor: "slurm" }),
          await call(rotateAgentTokenAction, { cluster: name }),
          await call(revokeAgentTokenAction, { cluster: name }),
          await call(updateClusterAction, { cluster: name, description: "mine now", costPerGpuHour: "0" }),
          await call(setQuotaAction, { cluster: name, projectId: org.project.id, maxGpus: "64" }),
        ];
        for (const res of results) {
          expect(res).toMatchObject({ status: "error", message: "You are not allowed to register and edit clusters, rotate agent tokens, set GPU quotas." });
        }
      });
    });
  }

  it("refuses every cluster action without a session", async () => {
    as(null);
    await expectNothingWritten(async () => {
      expect(await call(registerClusterAction, { name: "anon", executor: "slurm" })).toMatchObject({ status: "error", message: "Sign in to continue." });
    });
  });
});
