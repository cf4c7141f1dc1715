import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { auditLog, deployments, modelAliases, promotionRequests } from "@/db/schema";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import type { Actor } from "@/lib/auth/authorize";
import { addRule, createDataset, registerUpload } from "@/lib/datasets/service";
import { writeRunArtifact } from "@/lib/tracking/artifact-files";
import { createRun, datasetVersionUri, logBatch, logInputs, requireRun, setRunLifecycle, updateRun } from "@/lib/tracking/service";
import { getEnvironmentHistory, getNotificationCounts, getVersionAt } from "./queries";
import {
  FourEyesError,
  ReservedAliasError,
  approvePromotion,
  createModelVersion,
  createRegisteredModel,
  deleteAlias,
  markDecisionsSeen,
  onRunArtifactsChanged,
  overrideGates,
  rejectPromotion,
  requestPromotion,
  rollbackEnvironment,
  setAlias,
  setGateRules,
  withdrawPromotion,
  type ModelRef,
} from "./service";

// The registry's rules against a real database (PGlite, and PostgreSQL when DATABASE_URL is set):
// gates, four eyes (server and constraint), one decision and one deployment under concurrency,
// rollback, artifact digests voiding requests, reserved aliases.

const TABLES = ["registered_models", "model_versions", "promotion_requests", "deployments", "model_aliases", "audit_log"];

describe(`model registry service on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let artifacts: string;
  const actors = {} as Record<"ds" | "mle" | "ops" | "admin" | "manager", Actor>;

  const actorOf = (u: { id: string; email: string }, isAdmin = false): Actor => ({
    id: u.id,
    email: u.email,
    name: u.email,
    isAdmin,
    orgRole: "member",
    mustChangePassword: false,
    sessionId: null,
    tokenId: null,
  });

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-models-"));
    setArtifactRootForTests(artifacts);
    actors.ds = actorOf(org.users.dataScientist);
    actors.mle = actorOf(org.users.mlEngineer);
    actors.ops = actorOf(org.users.ops);
    actors.admin = actorOf(org.users.admin, true);
    actors.manager = actorOf(org.users.manager);
    // Dataset "churn": v1 passes its rules, v2 (added after a row-count rule) fails them.
    await createDataset(t.db, actors.ds, org.project, { name: "churn", description: "" });
    const upload = (csv: string) => registerUpload(t.db, actors.ds, org.project, "churn", { filename: "c.csv", body: (async function* () { yield Buffer.from(csv); })() } as never);
    await upload("a,b\n1,2\n3,4\n5,6\n");
    await addRule(t.db, actors.ds, org.project, "churn", { kind: "row_count", min: 3, severity: "fail" });
    await upload("a,b\n1,2\n");
  });
  afterAll(async () => {
    setArtifactRootForTests(null);
    fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  let runCounter = 0;
  /** A run with final metrics, trained on churn v<dataset>, with model files, ended with `status`. */
  async function trainedRun(opts: { metrics: Record<string, number>; status?: "FINISHED" | "FAILED" | "KILLED" | "RUNNING"; dataset?: 1 | 2 | null; weights?: string }) {
    const { id } = await createRun(t.db, actors.ds, org.project, { runName: `run-${++runCounter}`, startTime: Date.now(), tags: [] });
    const run = await requireRun(t.db, id);
    await logBatch(t.db, run, { metrics: Object.entries(opts.metrics).map(([key, value]) => ({ key, value, step: 0, timestamp: Date.now() })) });
    if (opts.dataset !== null) {
      const v = opts.dataset ?? 1;
      await logInputs(t.db, run, [{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset: { name: "churn", digest: "x", source_type: "ferry", source: datasetVersionUri(org.project.slug, "churn", v) } }]);
    }
    await writeRunArtifact(run, ["model", "model.json"], opts.weights ?? `{"w":[${runCounter}]}`);
    await writeRunArtifact(run, ["model", "MLmodel"], "artifact_path: model\n");
    if (opts.status !== "RUNNING") await updateRun(t.db, run, { status: opts.status ?? "FINISHED" });
    return id;
  }

  let modelCounter = 0;
  async function newModel(): Promise<ModelRef> {
    return createRegisteredModel(t.db, actors.ds, org.project, { name: `churn-model-${++modelCounter}` });
  }
  async function version(model: ModelRef, runId: string) {
    return createModelVersion(t.db, actors.ds, model, { source: `runs:/${runId}/model`, runId });
  }
  const good = { accuracy: 0.9, precision: 0.8, recall: 0.75, f1: 0.77 };

  async function expectNothingWritten(fn: () => Promise<unknown>, error: string | RegExp | (new (...args: never[]) => Error)) {
    const before = await t.counts(...TABLES);
    await expect(fn()).rejects.toThrow(error);
    expect(await t.counts(...TABLES)).toEqual(before);
  }

  async function deployed(model: ModelRef, environment: "production" | "staging" = "production") {
    const open = await t.db
      .select({ versionId: deployments.versionId })
      .from(deployments)
      .where(and(eq(deployments.modelId, model.id), eq(deployments.environment, environment), isNull(deployments.endedAt)));
    const [alias] = await t.db.select().from(modelAliases).where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.alias, environment)));
    return { open: open.length, versionId: open[0]?.versionId ?? null, aliasVersionId: alias?.versionId ?? null };
  }

  async function promote(model: ModelRef, v: number, environment: "production" | "staging" = "production") {
    const req = await requestPromotion(t.db, actors.ds, model, { version: v, environment, justification: "better on holdout" });
    expect(req.status).toBe("pending");
    return approvePromotion(t.db, actors.ops, model, req.id, "checked the report");
  }

  describe("registering versions", () => {
    it("numbers versions per model, stores the digest of the model's files and the default gates", async () => {
      const model = await newModel();
      const v1 = await version(model, await trainedRun({ metrics: good }));
      const v2 = await version(model, await trainedRun({ metrics: good }));
      expect([v1.version, v2.version]).toEqual([1, 2]);
      expect(v1.artifactDigest).toMatch(/^[0-9a-f]{64}$/);
      expect(v1.artifactDigest).not.toBe(v2.artifactDigest);
      const rules = await t.db.execute(sql`select metric, max_drop from model_gate_rules where model_id = ${model.id} order by metric`);
      expect((rules as unknown as { rows: unknown[] }).rows).toHaveLength(4);
    });

    it("numbers concurrent registrations 1..n without gaps or duplicates", async () => {
      const model = await newModel();
      const runs = await Promise.all(Array.from({ length: 6 }, () => trainedRun({ metrics: good })));
      const versions = await Promise.all(runs.map((r) => version(model, r)));
      expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it.each([
      ["../", (run: string) => `runs:/${run}/../model`],
      ["%2e%2e%2f", (run: string) => `runs:/${run}/%2e%2e%2fmodel`],
      ["double encoding", (run: string) => `runs:/${run}/%252e%252e%252fmodel`],
      ["file:", () => "file:///etc/passwd"],
      ["a local path", () => "/var/lib/model"],
    ])("refuses a source with %s and writes nothing", async (_, source) => {
      const model = await newModel();
      const run = await trainedRun({ metrics: good });
      await expectNothingWritten(() => createModelVersion(t.db, actors.ds, model, { source: source(run) }), "Invalid model version source");
    });

    it("refuses a run of another project, and a run_id that is not the source's run", async () => {
      const model = await newModel();
      const run = await trainedRun({ metrics: good });
      const other = await trainedRun({ metrics: good });
      await expectNothingWritten(() => createModelVersion(t.db, actors.ds, model, { source: `runs:/${run}/model`, runId: other }), "must be the same run");
      await expectNothingWritten(() => createModelVersion(t.db, actors.ds, model, { source: `runs:/${"f".repeat(32)}/model` }), "does not exist in the project");
    });
  });

  describe("gates at request time", () => {
    it("all gates pass → pending, with every gate's detail stored and audited", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good }));
      const req = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "staging", justification: "first candidate" });
      expect(req.status).toBe("pending");
      expect(req.gates.map((g) => g.name)).toEqual([
        "Run succeeded",
        "Dataset validation passed",
        "accuracy within 0.02 of production",
        "f1 within 0.02 of production",
        "precision within 0.02 of production",
        "recall within 0.02 of production",
      ]);
      expect(req.gates.every((g) => g.passed)).toBe(true);
      const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, req.id), eq(auditLog.action, "promotion.request")));
      expect(entry!.after).toMatchObject({ status: "pending", gates: req.gates });
    });

    it("a dataset version that failed validation blocks the request", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good, dataset: 2 }));
      const req = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "production", justification: "try" });
      expect(req.status).toBe("blocked");
      expect(req.gates.find((g) => !g.passed)).toMatchObject({ name: "Dataset validation passed", detail: "Dataset churn v2 failed validation." });
    });

    it("a run without a Ferry dataset version blocks the request", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good, dataset: null }));
      const req = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "production", justification: "try" });
      expect(req.status).toBe("blocked");
    });

    it("a metric below the model's threshold blocks; at the threshold passes", async () => {
      const model = await newModel();
      await setGateRules(t.db, actors.mle, model, [{ metric: "accuracy", minValue: 0.9, maxDrop: null }, { metric: "roc_auc", minValue: 0.8, maxDrop: null }]);
      await version(model, await trainedRun({ metrics: { ...good, roc_auc: 0.79 } }));
      await version(model, await trainedRun({ metrics: { ...good, roc_auc: 0.8 } }));
      const low = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "production", justification: "try" });
      const ok = await requestPromotion(t.db, actors.ds, model, { version: 2, environment: "production", justification: "try" });
      expect(low.status).toBe("blocked");
      expect(low.gates.filter((g) => !g.passed).map((g) => g.detail)).toEqual(["roc_auc is 0.79, below the threshold 0.8."]);
      expect(ok.status).toBe("pending");
    });

    it("worse than production by more than the tolerance blocks; within it passes", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good }));
      await promote(model, 1);
      await version(model, await trainedRun({ metrics: { ...good, accuracy: 0.88 } }));
      await version(model, await trainedRun({ metrics: { ...good, accuracy: 0.85 } }));
      const within = await requestPromotion(t.db, actors.ds, model, { version: 2, environment: "production", justification: "ok" });
      const worse = await requestPromotion(t.db, actors.ds, model, { version: 3, environment: "staging", justification: "try" });
      expect(within.status).toBe("pending");
      expect(worse.status).toBe("blocked");
      expect(worse.gates.find((g) => !g.passed)!.detail).toBe("accuracy 0.85 vs 0.9 in production (version 1): 0.05 worse, more than the 0.02 allowed.");
    });

    it.each(["FAILED", "KILLED", "RUNNING"] as const)("a version of a %s run is refused outright, nothing written", async (status) => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good, status }));
      await expectNothingWritten(
        () => requestPromotion(t.db, actors.ds, model, { version: 1, environment: "production", justification: "please" }),
        status === "RUNNING" ? "has not finished yet" : /cannot be promoted/,
      );
    });

    it("one open request per version and environment; the version already current is refused", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good }));
      await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "production", justification: "a" });
      await expectNothingWritten(() => requestPromotion(t.db, actors.mle, model, { version: 1, environment: "production", justification: "b" }), "already has an open request");
      await version(model, await trainedRun({ metrics: good }));
      await promote(model, 2, "staging");
      await expectNothingWritten(() => requestPromotion(t.db, actors.ds, model, { version: 2, environment: "staging", justification: "again" }), "already in staging");
    });
  });

  describe("four eyes", () => {
    it("an admin cannot approve or reject their own request; another admin or ops can", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good }));
      const req = await requestPromotion(t.db, actors.admin, model, { version: 1, environment: "production", justification: "mine" });
      await expectNothingWritten(() => approvePromotion(t.db, actors.admin, model, req.id, "looks fine"), FourEyesError);
      await expectNothingWritten(() => rejectPromotion(t.db, actors.admin, model, req.id, "changed my mind"), "cannot reject your own");
      await approvePromotion(t.db, actors.ops, model, req.id, "reviewed");
      expect((await deployed(model)).open).toBe(1);
    });

    it("the database refuses a decision by the requester, whatever the server does", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good }));
      const req = await requestPromotion(t.db, actors.admin, model, { version: 1, environment: "production", justification: "mine" });
      await expect(
        t.db
          .update(promotionRequests)
          .set({ status: "approved", decidedBy: actors.admin.id, decidedAt: new Date(), decisionReason: "self" })
          .where(eq(promotionRequests.id, req.id)),
      ).rejects.toThrow();
      const [row] = await t.db.select().from(promotionRequests).where(eq(promotionRequests.id, req.id));
      expect(row).toMatchObject({ status: "pending", decidedBy: null });
      // An approval without a reason (empty or missing), or of failed gates without an override, is refused too.
      for (const decisionReason of ["", null]) {
        await expect(
          t.db.update(promotionRequests).set({ status: "approved", decidedBy: actors.ops.id, decidedAt: new Date(), decisionReason }).where(eq(promotionRequests.id, req.id)),
        ).rejects.toThrow();
      }
      await t.db.update(promotionRequests).set({ gatesPassed: false, status: "blocked" }).where(eq(promotionRequests.id, req.id));
      for (const overrideReason of ["", null]) {
        await expect(
          t.db
            .update(promotionRequests)
            .set({ status: "approved", decidedBy: actors.ops.id, decidedAt: new Date(), decisionReason: "ok", overriddenBy: actors.admin.id, overrideReason })
            .where(eq(promotionRequests.id, req.id)),
        ).rejects.toThrow();
      }
    });
  });

  describe("concurrency", () => {
    it("two simultaneous approvals of one request: one decision, one deployment", async () => {
      const model = await newModel();
      const v = await version(model, await trainedRun({ metrics: good }));
      for (let round = 0; round < 3; round++) {
        const req = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: round % 2 ? "staging" : "production", justification: `round ${round}` }).catch(() => null);
        if (!req) continue;
        const results = await Promise.allSettled([approvePromotion(t.db, actors.ops, model, req.id, "ops says yes"), approvePromotion(t.db, actors.admin, model, req.id, "admin says yes")]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        const failure = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
        expect(String(failure.reason.message)).toMatch(/already approved by/);
        const [row] = await t.db.select().from(promotionRequests).where(eq(promotionRequests.id, req.id));
        expect(row!.status).toBe("approved");
        const approvals = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, req.id), eq(auditLog.action, "promotion.approve")));
        expect(approvals).toHaveLength(1);
      }
      const prod = await deployed(model, "production");
      expect(prod).toEqual({ open: 1, versionId: v.id, aliasVersionId: v.id });
      const all = await t.db.select().from(deployments).where(eq(deployments.modelId, model.id));
      expect(all.filter((d) => d.environment === "production")).toHaveLength(1);
    });

    it("two requests for one environment approved at once: both deploy in turn, one current version", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good }));
      await version(model, await trainedRun({ metrics: good }));
      const a = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "production", justification: "a" });
      const b = await requestPromotion(t.db, actors.mle, model, { version: 2, environment: "production", justification: "b" });
      await Promise.all([approvePromotion(t.db, actors.ops, model, a.id, "ok a"), approvePromotion(t.db, actors.admin, model, b.id, "ok b")]);
      const history = await getEnvironmentHistory(t.db, model.id, "production");
      expect(history).toHaveLength(2);
      expect(history.filter((h) => h.until === null)).toHaveLength(1);
      const current = history[0]!;
      expect((await deployed(model)).open).toBe(1);
      // The one that ended first is the other version, and a rollback returns to it.
      expect(history[1]!.version).not.toBe(current.version);
      const back = await rollbackEnvironment(t.db, actors.ops, model, "production", { reason: "check chain" });
      expect(back.version).toBe(history[1]!.version);
    });
  });

  it("an approval racing a rollback never deploys a version over itself", async () => {
    const model = await newModel();
    await version(model, await trainedRun({ metrics: good }));
    await version(model, await trainedRun({ metrics: good }));
    await promote(model, 1);
    await promote(model, 2);
    const again = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "production", justification: "v1 back" });
    // A rollback holds the model while the approval starts (on PostgreSQL the approval really runs
    // concurrently and must wait for it; PGlite has one connection and runs them one after the other).
    let approval: Promise<unknown> = Promise.resolve();
    await t.db.transaction(async (tx) => {
      await tx.execute(sql`select 1 from registered_models where id = ${model.id} for update`);
      approval = approvePromotion(t.db, actors.ops, model, again.id, "ok").catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 300));
      await rollbackEnvironment(tx as never, actors.admin, model, "production", { reason: "v2 broke" });
    });
    expect(String(await approval)).toContain("already in production");
    const history = await getEnvironmentHistory(t.db, model.id, "production");
    expect(history.map((h) => [h.version, h.kind])).toEqual([
      [1, "rollback"],
      [2, "promotion"],
      [1, "promotion"],
    ]);
  });

  it("concurrent gate edits each apply whole, one after the other", async () => {
    const model = await newModel();
    const edits = Array.from({ length: 6 }, (_, i) => [{ metric: "accuracy", minValue: 0.5 + i / 100, maxDrop: null }, { metric: "f1", minValue: null, maxDrop: 0.01 }]);
    const results = await Promise.allSettled(edits.map((rules) => setGateRules(t.db, actors.mle, model, rules)));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const rows = await t.db.execute(sql`select metric from model_gate_rules where model_id = ${model.id} order by metric`);
    expect((rows as unknown as { rows: { metric: string }[] }).rows.map((r) => r.metric)).toEqual(["accuracy", "f1"]);
  });

  it("refuses a version with no files, and a run marked FINISHED after it failed", async () => {
    const model = await newModel();
    const run = await trainedRun({ metrics: good });
    await expectNothingWritten(() => createModelVersion(t.db, actors.ds, model, { source: `runs:/${run}/not-there` }), "has no files under 'not-there'");
    const failed = await trainedRun({ metrics: good, status: "FAILED" });
    await expect(updateRun(t.db, await requireRun(t.db, failed), { status: "FINISHED" })).rejects.toThrow("cannot be marked FINISHED");
    expect((await requireRun(t.db, failed)).status).toBe("FAILED");
  });

  it("a version of a deleted run cannot be promoted", async () => {
    const model = await newModel();
    const run = await trainedRun({ metrics: good });
    await version(model, run);
    await setRunLifecycle(t.db, actors.ds, await requireRun(t.db, run), "deleted");
    await expectNothingWritten(() => requestPromotion(t.db, actors.ds, model, { version: 1, environment: "staging", justification: "x y z" }), "was deleted");
  });

  it("a stale stored digest is refreshed at request time, so the approval compares with the files as requested", async () => {
    const model = await newModel();
    const v = await version(model, await trainedRun({ metrics: good }));
    await t.db.execute(sql`update model_versions set artifact_digest = ${"0".repeat(64)} where id = ${v.id}`);
    const req = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "staging", justification: "stale" });
    const [row] = await t.db.select().from(promotionRequests).where(eq(promotionRequests.id, req.id));
    expect(row!.artifactDigest).toBe(v.artifactDigest);
    await approvePromotion(t.db, actors.ops, model, req.id, "fine");
    const changed = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, v.id), eq(auditLog.action, "model_version.artifacts_changed")));
    expect(changed).toHaveLength(1);
  });

  describe("rollback", () => {
    it("restores the previous version, moves the alias, and answers what ran when", async () => {
      const model = await newModel();
      const v1 = await version(model, await trainedRun({ metrics: good }));
      await version(model, await trainedRun({ metrics: good }));
      const v3 = await version(model, await trainedRun({ metrics: good }));
      await promote(model, 1);
      const afterV1 = new Date();
      await new Promise((r) => setTimeout(r, 20));
      await promote(model, 3);
      const afterV3 = new Date();
      await new Promise((r) => setTimeout(r, 20));
      expect((await deployed(model)).versionId).toBe(v3.id);
      await expectNothingWritten(() => rollbackEnvironment(t.db, actors.ops, model, "production", { reason: "stale", fromVersion: 1 }), "changed meanwhile");
      const r = await rollbackEnvironment(t.db, actors.ops, model, "production", { reason: "v3 hurts recall in prod", fromVersion: 3 });
      expect(r).toEqual({ version: 1, previousVersion: 3 });
      expect(await deployed(model)).toEqual({ open: 1, versionId: v1.id, aliasVersionId: v1.id });
      await expectNothingWritten(() => rollbackEnvironment(t.db, actors.ops, model, "production", { reason: "again" }), "no previous version");
      const history = await getEnvironmentHistory(t.db, model.id, "production");
      expect(history.map((h) => [h.version, h.kind, h.until === null])).toEqual([
        [1, "rollback", true],
        [3, "promotion", false],
        [1, "promotion", false],
      ]);
      expect((await getVersionAt(t.db, model.id, "production", afterV1))?.version).toBe(1);
      expect((await getVersionAt(t.db, model.id, "production", afterV3))?.version).toBe(3);
      expect((await getVersionAt(t.db, model.id, "production", new Date()))?.version).toBe(1);
      expect(await getVersionAt(t.db, model.id, "production", new Date(Date.now() - 86_400_000))).toBeNull();
      expect(await getVersionAt(t.db, model.id, "staging", new Date())).toBeNull();
      const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, model.id), eq(auditLog.action, "deployment.rollback")));
      expect(entry!.summary).toContain("back to version 1: v3 hurts recall in prod");
    });

    it("with nothing deployed there is nothing to roll back", async () => {
      const model = await newModel();
      await expectNothingWritten(() => rollbackEnvironment(t.db, actors.ops, model, "staging", { reason: "x y z" }), "nothing to roll back");
    });
  });

  it("a request whose version became current meanwhile (by a rollback) cannot be approved", async () => {
    const model = await newModel();
    await version(model, await trainedRun({ metrics: good }));
    await version(model, await trainedRun({ metrics: good }));
    await promote(model, 1);
    await promote(model, 2);
    const again = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "production", justification: "v1 back" });
    await rollbackEnvironment(t.db, actors.ops, model, "production", { reason: "v2 broke" });
    await expectNothingWritten(() => approvePromotion(t.db, actors.ops, model, again.id, "ok"), "already in production");
  });

  describe("blocked requests, overrides, rejections, withdrawals", () => {
    it("an admin cannot override the gates of their own request", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good, dataset: 2 }));
      const req = await requestPromotion(t.db, actors.admin, model, { version: 1, environment: "production", justification: "mine" });
      expect(req.status).toBe("blocked");
      await expectNothingWritten(() => overrideGates(t.db, actors.admin, model, req.id, "trust me"), "your own request");
    });

    it("a blocked request cannot be approved until an admin overrides it with a reason", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good, dataset: 2 }));
      const req = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "production", justification: "hotfix" });
      await expectNothingWritten(() => approvePromotion(t.db, actors.ops, model, req.id, "ok"), "blocked by failed gates");
      await expectNothingWritten(() => overrideGates(t.db, actors.ops, model, req.id, "I say so"), "Only an admin");
      await overrideGates(t.db, actors.admin, model, req.id, "validation rule is obsolete; tracked in JIRA-12");
      await approvePromotion(t.db, actors.ops, model, req.id, "approved with override");
      const [row] = await t.db.select().from(promotionRequests).where(eq(promotionRequests.id, req.id));
      expect(row).toMatchObject({ status: "approved", gatesPassed: false, overriddenBy: actors.admin.id });
      const actions = (await t.db.select().from(auditLog).where(eq(auditLog.subjectId, req.id))).map((e) => e.action);
      expect(actions).toEqual(["promotion.request", "promotion.override", "promotion.approve"]);
    });

    it("rejection records the reason; a decided request cannot be decided again", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good }));
      const req = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "production", justification: "pls" });
      await rejectPromotion(t.db, actors.ops, model, req.id, "needs a fairness review");
      await expectNothingWritten(() => approvePromotion(t.db, actors.admin, model, req.id, "ok"), `already rejected by ${actors.ops.email}`);
      expect((await deployed(model)).open).toBe(0);
    });

    it("only the requester withdraws; a withdrawn request cannot be approved", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good }));
      const req = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "staging", justification: "pls" });
      await expectNothingWritten(() => withdrawPromotion(t.db, actors.mle, model, req.id), "Only the requester");
      await withdrawPromotion(t.db, actors.ds, model, req.id, "wrong version");
      await expectNothingWritten(() => approvePromotion(t.db, actors.ops, model, req.id, "ok"), "withdrawn");
    });
  });

  describe("artifact digests", () => {
    it("changed model files void open requests (when noticed on upload, and at approval)", async () => {
      const model = await newModel();
      const runId = await trainedRun({ metrics: good });
      await version(model, runId);
      const a = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "staging", justification: "a" });
      const run = await requireRun(t.db, runId);
      // Tampering noticed by the upload hook: the request is voided at once.
      await writeRunArtifact(run, ["model", "model.json"], '{"w":[666]}');
      expect(await onRunArtifactsChanged(t.db, runId)).toBe(1);
      const [voided] = await t.db.select().from(promotionRequests).where(eq(promotionRequests.id, a.id));
      expect(voided).toMatchObject({ status: "void" });
      expect(voided!.voidReason).toContain("artifacts of version 1 changed");
      // Tampering the hook never saw (files changed behind Ferry's back): caught at approval.
      const b = await requestPromotion(t.db, actors.ds, model, { version: 1, environment: "staging", justification: "b" });
      await writeRunArtifact(run, ["model", "extra.bin"], "sneaky");
      await expect(approvePromotion(t.db, actors.ops, model, b.id, "ok")).rejects.toThrow("artifacts changed after this request");
      const [row] = await t.db.select().from(promotionRequests).where(eq(promotionRequests.id, b.id));
      expect(row!.status).toBe("void");
      expect((await deployed(model, "staging")).open).toBe(0);
      // Files outside the version's directory do not matter.
      expect(await onRunArtifactsChanged(t.db, runId)).toBe(1);
      await writeRunArtifact(run, ["plots", "roc.png"], "png");
      expect(await onRunArtifactsChanged(t.db, runId)).toBe(0);
      // The upload hook names the file it wrote: only versions whose directory holds it are hashed again.
      await writeRunArtifact(run, ["model", "model.json"], '{"w":[667]}');
      expect(await onRunArtifactsChanged(t.db, runId, ["plots", "roc.png"])).toBe(0);
      expect(await onRunArtifactsChanged(t.db, runId, ["model", "model.json"])).toBe(1);
    });
  });

  describe("aliases", () => {
    it("production and staging are reserved; other aliases are free", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good }));
      for (const alias of ["production", "staging", "Production"]) {
        await expectNothingWritten(() => setAlias(t.db, actors.ds, model, alias, 1), ReservedAliasError);
        await expectNothingWritten(() => deleteAlias(t.db, actors.ds, model, alias), "promotion request");
      }
      await setAlias(t.db, actors.ds, model, "champion", 1);
      const rows = await t.db.select().from(modelAliases).where(eq(modelAliases.modelId, model.id));
      expect(rows.map((r) => r.alias)).toEqual(["champion"]);
      await deleteAlias(t.db, actors.ds, model, "champion");
      expect(await t.db.select().from(modelAliases).where(eq(modelAliases.modelId, model.id))).toHaveLength(0);
    });
  });

  describe("notifications", () => {
    it("counts requests to decide (not one's own) and unseen decisions", async () => {
      const model = await newModel();
      await version(model, await trainedRun({ metrics: good }));
      const before = await getNotificationCounts(t.db, actors.ops);
      const mineBefore = await getNotificationCounts(t.db, actors.mle);
      const req = await requestPromotion(t.db, actors.mle, model, { version: 1, environment: "staging", justification: "n" });
      expect((await getNotificationCounts(t.db, actors.ops)).toDecide).toBe(before.toDecide + 1);
      expect((await getNotificationCounts(t.db, actors.mle)).toDecide).toBe(mineBefore.toDecide);
      expect((await getNotificationCounts(t.db, actors.manager)).toDecide).toBe(0);
      await approvePromotion(t.db, actors.ops, model, req.id, "fine");
      expect((await getNotificationCounts(t.db, actors.mle)).decisions).toBe(mineBefore.decisions + 1);
      await markDecisionsSeen(t.db, actors.mle);
      expect((await getNotificationCounts(t.db, actors.mle)).decisions).toBe(0);
    });
  });

  it("model names are unique across projects", async () => {
    const name = `shared-${crypto.randomBytes(3).toString("hex")}`;
    await createRegisteredModel(t.db, actors.ds, org.project, { name });
    await expectNothingWritten(() => createRegisteredModel(t.db, actors.ds, org.project, { name }), "already exists");
  });
});
