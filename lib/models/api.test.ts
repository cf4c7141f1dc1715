// Integration: the model registry's HTTP API (/api/v1/projects/{slug}/models/…) over real HTTP —
// real route handlers, real authorize(), real gates and four-eyes rules, real artifact files, real
// database (PGlite, then PostgreSQL in CI). Replaced, because they cannot exist outside a Next.js
// request: the session cookie reader, Next's revalidate cache and connection(); and Next's router
// by the small HTTP front in lib/tracking/testing-server.ts.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiTokens } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { request } from "@/lib/actions/testing";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { generateApiToken } from "@/lib/auth/tokens";

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

const { startTrackingServer } = await import("@/lib/tracking/testing-server");
const { createRun, logBatch, logInputs, requireRun, updateRun, datasetVersionUri } = await import("@/lib/tracking/service");
const { writeRunArtifact } = await import("@/lib/tracking/artifact-files");
const { createDataset, registerReference } = await import("@/lib/datasets/service");
const { createRegisteredModel, createModelVersion } = await import("./service");

const TABLES = ["promotion_requests", "deployments", "model_aliases", "model_gate_rules", "audit_log"];
type Who = "admin" | "dataScientist" | "mlEngineer" | "manager" | "ops" | "outsider" | "otherMember" | "nobody";
type Metrics = Partial<Record<"accuracy" | "precision" | "recall" | "f1", number>>;

describe(`model registry API over HTTP on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let ds: Actor;
  let server: Awaited<ReturnType<typeof startTrackingServer>>;
  let artifacts: string;
  let datasetUri: string;
  const tokens = {} as Record<Who, string>;

  beforeAll(async () => {
    vi.spyOn(console, "error").mockImplementation((...a) => process.stderr.write(a.map(String).join(" ").slice(0, 600) + "\n"));
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    const other = await createFixtureOrg(t.db); // another project, with its own members
    request.db = t.db;
    request.sessionId = null;
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-model-api-"));
    setArtifactRootForTests(artifacts);
    const people = { ...org.users, otherMember: other.users.dataScientist };
    for (const who of ["admin", "dataScientist", "mlEngineer", "manager", "ops", "outsider", "otherMember"] as const) {
      const { token, hash, displayPrefix } = generateApiToken();
      await t.db.insert(apiTokens).values({ userId: people[who].id, name: "test", tokenHash: hash, prefix: displayPrefix });
      tokens[who] = token;
    }
    ds = await resolveActor(t.db, org.users.dataScientist.claims);
    await createDataset(t.db, ds, org.project, { name: "customers", description: "" });
    const dv = await registerReference(t.db, ds, org.project, "customers", { uri: "s3://bucket/customers.csv", sha256: "ab".repeat(32), rowCount: 1000 });
    datasetUri = datasetVersionUri(org.project.slug, "customers", dv.version);
    server = await startTrackingServer();
  });
  afterAll(async () => {
    await server?.close();
    setArtifactRootForTests(null);
    if (artifacts) fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  // ---- helpers ----------------------------------------------------------------------------------

  async function api(who: Who, method: string, rel: string, body?: unknown, slug = org.project.slug) {
    const headers: Record<string, string> = who === "nobody" ? {} : { authorization: `Bearer ${tokens[who]}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${server.url}/api/v1/projects/${slug}/models${rel}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  }

  /** A run trained on the fixture dataset version, with final metrics and a model file, ended with `status`. */
  async function trainedRun(metrics: Metrics, status: "FINISHED" | "FAILED" = "FINISHED"): Promise<string> {
    const { id } = await createRun(t.db, ds, org.project, {});
    const run = await requireRun(t.db, id);
    await logBatch(t.db, run, { metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: Date.now(), step: 0 })) });
    await logInputs(t.db, run, [{ dataset: { name: "customers", digest: "abababab", source_type: "ferry", source: datasetUri }, tags: [{ key: "mlflow.data.context", value: "training" }] }]);
    await writeRunArtifact(run, ["model", "model.pkl"], `weights of ${id}`);
    await updateRun(t.db, run, { status });
    return id;
  }

  async function newModel(name: string) {
    return createRegisteredModel(t.db, ds, org.project, { name });
  }

  async function newVersion(model: Awaited<ReturnType<typeof newModel>>, metrics: Metrics, status: "FINISHED" | "FAILED" = "FINISHED") {
    const runId = await trainedRun(metrics, status);
    const v = await createModelVersion(t.db, ds, model, { source: `runs:/${runId}/model` });
    return { version: v.version, runId };
  }

  async function expectNothingWritten(fn: () => Promise<void>) {
    const before = await t.counts(...TABLES);
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
  }

  const good: Metrics = { accuracy: 0.9, precision: 0.88, recall: 0.85, f1: 0.86 };

  // ---- tests ------------------------------------------------------------------------------------

  it("happy path: request → gates → ops approves → production; ops rolls back; history and ?at= say what ran when", async () => {
    const model = await newModel("churn");
    const v1 = await newVersion(model, good);
    const v2 = await newVersion(model, { accuracy: 0.91, precision: 0.89, recall: 0.86, f1: 0.87 });

    // Version 1 to production.
    const req1 = await api("dataScientist", "POST", "/churn/promotions", { version: 1, environment: "production", justification: "First churn model" });
    expect(req1.status, JSON.stringify(req1.body)).toBe(201);
    expect(req1.body).toMatchObject({ id: expect.any(String), status: "pending" });
    expect(req1.body.gates.map((g: { name: string; passed: boolean }) => [g.name, g.passed])).toEqual([
      ["Run succeeded", true],
      ["Dataset validation passed", true],
      ["accuracy within 0.02 of production", true],
      ["f1 within 0.02 of production", true],
      ["precision within 0.02 of production", true],
      ["recall within 0.02 of production", true],
    ]);
    for (const g of req1.body.gates) expect(g.detail).toEqual(expect.any(String));

    const pending = await api("ops", "GET", "/churn/promotions?status=pending");
    expect(pending.status).toBe(200);
    expect(pending.body.promotions.map((p: { id: string }) => p.id)).toEqual([req1.body.id]);

    const ok1 = await api("ops", "POST", `/churn/promotions/${req1.body.id}/approve`, { reason: "Gates green, shadow run fine" });
    expect(ok1.status, JSON.stringify(ok1.body)).toBe(200);
    expect(ok1.body).toEqual({ id: req1.body.id, status: "approved" });

    let shown = await api("manager", "GET", "/churn");
    expect(shown.status).toBe(200);
    expect(shown.body.environments).toEqual({
      production: { version: 1, since: expect.any(String), by: org.users.ops.email, reason: "Gates green, shadow run fine" },
      staging: null,
    });
    expect(shown.body.versions.map((v: { version: number; aliases: string[] }) => [v.version, v.aliases])).toEqual([
      [2, []],
      [1, ["production"]],
    ]);
    expect(shown.body.versions[1]).toEqual({
      version: 1,
      runId: v1.runId,
      runName: expect.any(String),
      runStatus: "FINISHED",
      source: `runs:/${v1.runId}/model`,
      artifactDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
      createdAt: expect.any(String),
      createdBy: org.users.dataScientist.email,
      aliases: ["production"],
      metrics: good,
    });
    expect(shown.body.gates).toEqual([
      { metric: "accuracy", minValue: null, maxDrop: 0.02 },
      { metric: "f1", minValue: null, maxDrop: 0.02 },
      { metric: "precision", minValue: null, maxDrop: 0.02 },
      { metric: "recall", minValue: null, maxDrop: 0.02 },
    ]);

    // Version 2 replaces it, compared against version 1.
    const req2 = await api("mlEngineer", "POST", "/churn/promotions", { version: 2, environment: "production", justification: "Better recall" });
    expect(req2.status).toBe(201);
    expect(req2.body.status).toBe("pending");
    expect(req2.body.gates.find((g: { name: string }) => g.name === "accuracy within 0.02 of production").detail).toMatch(/0\.91 vs 0\.9 in production \(version 1\)/);
    expect((await api("ops", "POST", `/churn/promotions/${req2.body.id}/approve`, { reason: "Better recall, same precision" })).status).toBe(200);
    shown = await api("manager", "GET", "/churn");
    expect(shown.body.environments.production).toMatchObject({ version: 2 });

    // The list and the lineage.
    const list = await api("manager", "GET", "");
    expect(list.status).toBe(200);
    expect(list.body.models.find((m: { name: string }) => m.name === "churn")).toMatchObject({
      versions: 2,
      latestVersion: 2,
      production: { version: 2 },
      staging: null,
      openRequests: 0,
    });
    const lineage = await api("manager", "GET", "/churn/versions/2");
    expect(lineage.status).toBe(200);
    expect(lineage.body).toMatchObject({
      version: 2,
      aliases: ["production"],
      run: { id: v2.runId, status: "FINISHED" },
      dataset: { dataset: "customers", version: 1 },
      metrics: { accuracy: 0.91, f1: 0.87 },
    });

    // Ops rolls production back; a stale fromVersion (a double submit) is refused and changes nothing.
    const back = await api("ops", "POST", "/churn/environments/production/rollback", { reason: "Complaints about v2 scores", fromVersion: 2 });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body).toEqual({ environment: "production", version: 1, previousVersion: 2 });
    await expectNothingWritten(async () => {
      const again = await api("ops", "POST", "/churn/environments/production/rollback", { reason: "Complaints about v2 scores", fromVersion: 2 });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatch(/now runs version 1, not 2/);
    });

    const env = await api("manager", "GET", "/churn/environments/production");
    expect(env.status).toBe(200);
    expect(env.body.environment).toBe("production");
    expect(env.body.current).toMatchObject({ version: 1, kind: "rollback", reason: "Complaints about v2 scores", by: org.users.ops.email, until: null });
    const history = env.body.history as { version: number; kind: string; since: string; until: string | null; requestId: string | null }[];
    expect(history.map((h) => [h.version, h.kind, h.until === null])).toEqual([
      [1, "rollback", true],
      [2, "promotion", false],
      [1, "promotion", false],
    ]);
    expect(history[2]!.requestId).toBe(req1.body.id);
    expect(env.body).not.toHaveProperty("versionAt");

    // "What was in production at T?"
    const at = async (iso: string) => {
      const r = await api("manager", "GET", `/churn/environments/production?at=${encodeURIComponent(iso)}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };
    const first = history[2]!;
    const second = history[1]!;
    expect((await at(first.since)).versionAt).toEqual({ version: 1, since: first.since, until: first.until });
    expect((await at(second.since)).versionAt).toEqual({ version: 2, since: second.since, until: second.until });
    expect((await at(history[0]!.since)).versionAt).toMatchObject({ version: 1, until: null });
    const before = new Date(Date.parse(first.since) - 60_000).toISOString();
    const none = await at(before);
    expect(none).toMatchObject({ environment: "production", at: before, versionAt: null });
    expect(none.history).toHaveLength(3);
    // A time without an offset is read as UTC.
    expect((await at(second.since.replace(/Z$/, ""))).versionAt).toMatchObject({ version: 2 });
    const bad = await api("manager", "GET", "/churn/environments/production?at=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/at: Give the time as an ISO date and time/);

    // The decided requests, as the API shows them.
    const one = await api("manager", "GET", `/churn/promotions/${req1.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      id: req1.body.id,
      model: "churn",
      version: 1,
      environment: "production",
      status: "approved",
      justification: "First churn model",
      gatesPassed: true,
      requestedBy: { email: org.users.dataScientist.email },
      decidedBy: org.users.ops.email,
      decisionReason: "Gates green, shadow run fine",
    });
    const approved = await api("manager", "GET", "/churn/promotions?status=approved,rejected");
    expect(approved.body.promotions.map((p: { id: string }) => p.id)).toEqual([req2.body.id, req1.body.id]);
    const badStatus = await api("manager", "GET", "/churn/promotions?status=done");
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error).toMatch(/Unknown status "done"/);
  });

  it("four eyes: an admin cannot approve (or reject) their own request — 403, nothing changes; someone else can", async () => {
    const model = await newModel("fraud");
    await newVersion(model, good);
    const req = await api("admin", "POST", "/fraud/promotions", { version: 1, environment: "staging", justification: "Try it in staging" });
    expect(req.status).toBe(201);
    expect(req.body.status).toBe("pending");

    await expectNothingWritten(async () => {
      for (const action of ["approve", "reject"]) {
        const self = await api("admin", "POST", `/fraud/promotions/${req.body.id}/${action}`, { reason: "I checked it myself" });
        expect(self.status).toBe(403);
        expect(self.body.error).toBe(`Four eyes: you cannot ${action} your own promotion request, admins included. Another ops engineer or admin must decide it.`);
      }
    });
    expect((await api("admin", "GET", `/fraud/promotions/${req.body.id}`)).body).toMatchObject({ status: "pending", decidedBy: null });
    expect((await api("admin", "GET", "/fraud")).body.environments.staging).toBeNull();

    const ok = await api("ops", "POST", `/fraud/promotions/${req.body.id}/approve`, { reason: "Second pair of eyes: fine" });
    expect(ok.body).toEqual({ id: req.body.id, status: "approved" });
    expect((await api("admin", "GET", "/fraud")).body.environments.staging).toMatchObject({ version: 1, by: org.users.ops.email });
    // Decided once: a second decision is a conflict.
    const twice = await api("admin", "POST", `/fraud/promotions/${req.body.id}/reject`, { reason: "Too late" });
    expect(twice.status).toBe(403); // still the admin's own request
    const late = await api("ops", "POST", `/fraud/promotions/${req.body.id}/reject`, { reason: "Changed my mind" });
    expect(late.status).toBe(409);
    expect(late.body.error).toBe(`This request was already approved by ${org.users.ops.email}.`);
  });

  it("only ops and admins decide, only ops and admins roll back; decisions need a reason; bad input writes nothing", async () => {
    const model = await newModel("upsell");
    await newVersion(model, good);
    const req = await api("dataScientist", "POST", "/upsell/promotions", { version: 1, environment: "production", justification: "Ready" });
    expect(req.status).toBe(201);
    const id = req.body.id as string;

    await expectNothingWritten(async () => {
      for (const who of ["dataScientist", "mlEngineer", "manager"] as const) {
        const r = await api(who, "POST", `/upsell/promotions/${id}/approve`, { reason: "Looks fine to me" });
        expect(r.status).toBe(403);
        expect(r.body.error).toMatch(/not allowed to approve or reject a promotion/);
      }
      const noReason = await api("ops", "POST", `/upsell/promotions/${id}/reject`, {});
      expect(noReason.status).toBe(400);
      expect(noReason.body.error).toBe("Invalid request — reason: Give a reason for the rejection.");
      const blank = await api("ops", "POST", `/upsell/promotions/${id}/reject`, { reason: "  " });
      expect(blank.status).toBe(400);
      expect(blank.body.error).toMatch(/at least 3 characters/);
      const notJson = await api("ops", "POST", `/upsell/promotions/${id}/reject`, "reason=no");
      expect(notJson.status).toBe(400);
      expect(notJson.body.error).toMatch(/not valid JSON.*\{"reason": /);
      const noApproveReason = await api("ops", "POST", `/upsell/promotions/${id}/approve`, { reason: 42 });
      expect(noApproveReason.status).toBe(400);
      expect(noApproveReason.body.error).toMatch(/reason: Give a reason for the approval/);
      // Unknown environments, in a body and in a path.
      const prod = await api("dataScientist", "POST", "/upsell/promotions", { version: 1, environment: "prod", justification: "Ready" });
      expect(prod.status).toBe(400);
      expect(prod.body.error).toBe('Invalid request — environment: Unknown environment "prod": Ferry\'s environments are staging and production.');
      const rollbackProd = await api("ops", "POST", "/upsell/environments/prod/rollback", { reason: "Bad scores" });
      expect(rollbackProd.status).toBe(400);
      expect(rollbackProd.body.error).toBe('Unknown environment "prod": Ferry\'s environments are staging and production.');
      expect((await api("manager", "GET", "/upsell/environments/prod")).status).toBe(400);
      // Rollback: ops and admins only; nothing to roll back yet is a conflict.
      const dsRollback = await api("dataScientist", "POST", "/upsell/environments/production/rollback", { reason: "Bad scores" });
      expect(dsRollback.status).toBe(403);
      const nothing = await api("ops", "POST", "/upsell/environments/production/rollback", { reason: "Bad scores" });
      expect(nothing.status).toBe(409);
      expect(nothing.body.error).toMatch(/Nothing is deployed to production for upsell/);
      // Unknown things are 404s.
      for (const rel of [
        "/nosuch",
        "/nosuch/promotions",
        "/upsell/versions/9",
        "/upsell/versions/one",
        "/upsell/promotions/not-a-uuid",
        `/upsell/promotions/${crypto.randomUUID()}`,
      ]) {
        const r = await api("manager", "GET", rel);
        expect(r.status, rel).toBe(404);
      }
      const ghost = await api("ops", "POST", `/upsell/promotions/${crypto.randomUUID()}/approve`, { reason: "Looks fine" });
      expect(ghost.status).toBe(404);
      expect(ghost.body.error).toBe("Model upsell has no such promotion request.");
      const noVersion = await api("dataScientist", "POST", "/upsell/promotions", { version: 7, environment: "staging", justification: "Ready" });
      expect(noVersion.status).toBe(404);
      expect(noVersion.body.error).toBe("Model upsell has no version 7.");
      // One open request per version and environment.
      const dup = await api("mlEngineer", "POST", "/upsell/promotions", { version: 1, environment: "production", justification: "Again" });
      expect(dup.status).toBe(409);
      expect(dup.body.error).toMatch(/already has an open request for production/);
      // Only the requester withdraws.
      const notMine = await api("mlEngineer", "POST", `/upsell/promotions/${id}/withdraw`, {});
      expect(notMine.status).toBe(403);
      expect(notMine.body.error).toMatch(/Only the requester can withdraw/);
    });

    const rejected = await api("ops", "POST", `/upsell/promotions/${id}/reject`, { reason: "Needs a fresher dataset" });
    expect(rejected.body).toEqual({ id, status: "rejected" });
    expect((await api("manager", "GET", `/upsell/promotions/${id}`)).body).toMatchObject({ status: "rejected", decisionReason: "Needs a fresher dataset" });

    // The requester may withdraw an open request, with or without a reason.
    const again = await api("dataScientist", "POST", "/upsell/promotions", { version: 1, environment: "staging", justification: "Staging first" });
    const withdrawn = await api("dataScientist", "POST", `/upsell/promotions/${again.body.id}/withdraw`, {});
    expect(withdrawn.body).toEqual({ id: again.body.id, status: "void" });
    expect((await api("dataScientist", "GET", `/upsell/promotions/${again.body.id}`)).body.voidReason).toBe("withdrawn by the requester");
  });

  it("a version made by a failed run cannot be promoted: 409 and no request row", async () => {
    const model = await newModel("failing");
    await newVersion(model, good, "FAILED");
    await expectNothingWritten(async () => {
      const r = await api("dataScientist", "POST", "/failing/promotions", { version: 1, environment: "production", justification: "Metrics look fine" });
      expect(r.status).toBe(409);
      expect(r.body.error).toMatch(/^Run .+ failed: a version made by a run that did not succeed cannot be promoted\.$/);
    });
    expect((await api("manager", "GET", "/failing/promotions")).body.promotions).toEqual([]);
  });

  it("gates: ML engineers set them; a failed gate blocks the request until an admin overrides it; then ops approves", async () => {
    const model = await newModel("ranker");
    await newVersion(model, good);

    await expectNothingWritten(async () => {
      const ds = await api("dataScientist", "PUT", "/ranker/gates", { rules: [{ metric: "accuracy", minValue: 0.95 }] });
      expect(ds.status).toBe(403);
      const empty = await api("mlEngineer", "PUT", "/ranker/gates", { rules: [{ metric: "accuracy" }] });
      expect(empty.status).toBe(400);
      expect(empty.body.error).toBe("Invalid request — rules.0.minValue: Set a minimum, an allowed drop, or both.");
      const negative = await api("mlEngineer", "PUT", "/ranker/gates", { rules: [{ metric: "f1", maxDrop: -1 }] });
      expect(negative.status).toBe(400);
      expect(negative.body.error).toMatch(/rules\.0\.maxDrop: The allowed drop cannot be negative/);
      const noRules = await api("mlEngineer", "PUT", "/ranker/gates", { gates: [] });
      expect(noRules.status).toBe(400);
      expect(noRules.body.error).toMatch(/rules:/);
    });
    const set = await api("mlEngineer", "PUT", "/ranker/gates", { rules: [{ metric: "accuracy", minValue: 0.95 }, { metric: "f1", maxDrop: 0.05 }] });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toEqual({
      gates: [
        { metric: "accuracy", minValue: 0.95, maxDrop: null },
        { metric: "f1", minValue: null, maxDrop: 0.05 },
      ],
    });
    expect((await api("manager", "GET", "/ranker")).body.gates).toEqual(set.body.gates);

    const req = await api("dataScientist", "POST", "/ranker/promotions", { version: 1, environment: "production", justification: "Good enough?" });
    expect(req.status).toBe(201);
    expect(req.body.status).toBe("blocked");
    expect(req.body.gates.find((g: { passed: boolean }) => !g.passed)).toEqual({ name: "accuracy ≥ 0.95", passed: false, detail: "accuracy is 0.9, below the threshold 0.95." });
    const id = req.body.id as string;

    await expectNothingWritten(async () => {
      const blocked = await api("ops", "POST", `/ranker/promotions/${id}/approve`, { reason: "Ship it" });
      expect(blocked.status).toBe(409);
      expect(blocked.body.error).toMatch(/blocked by failed gates/);
      const opsOverride = await api("ops", "POST", `/ranker/promotions/${id}/override`, { reason: "Close enough" });
      expect(opsOverride.status).toBe(403);
      expect(opsOverride.body.error).toBe("Only an admin can override failed gates.");
      const dsOverride = await api("dataScientist", "POST", `/ranker/promotions/${id}/override`, { reason: "Close enough" });
      expect(dsOverride.status).toBe(403);
      const noReason = await api("admin", "POST", `/ranker/promotions/${id}/override`, {});
      expect(noReason.status).toBe(400);
      expect(noReason.body.error).toMatch(/reason: Give a reason for the override/);
    });
    const overridden = await api("admin", "POST", `/ranker/promotions/${id}/override`, { reason: "Accuracy target is for next quarter" });
    expect(overridden.body).toEqual({ id, status: "pending" });
    const twice = await api("admin", "POST", `/ranker/promotions/${id}/override`, { reason: "Again" });
    expect(twice.status).toBe(409);
    const approved = await api("ops", "POST", `/ranker/promotions/${id}/approve`, { reason: "Override recorded; approving" });
    expect(approved.body).toEqual({ id, status: "approved" });
    expect((await api("manager", "GET", `/ranker/promotions/${id}`)).body).toMatchObject({
      status: "approved",
      gatesPassed: false,
      overriddenBy: org.users.admin.email,
      overrideReason: "Accuracy target is for next quarter",
    });
    expect((await api("manager", "GET", "/ranker")).body.environments.production).toMatchObject({ version: 1 });
    const already = await api("dataScientist", "POST", "/ranker/promotions", { version: 1, environment: "production", justification: "Again" });
    expect(already.status).toBe(409);
    expect(already.body.error).toBe("Version 1 is already in production.");
  });

  it("a version whose artifacts changed after the request cannot be approved: the request is voided (409)", async () => {
    const model = await newModel("drifty");
    const v = await newVersion(model, good);
    const req = await api("dataScientist", "POST", "/drifty/promotions", { version: 1, environment: "staging", justification: "Try it" });
    expect(req.status).toBe(201);
    await writeRunArtifact(await requireRun(t.db, v.runId), ["model", "model.pkl"], "different weights");
    const r = await api("ops", "POST", `/drifty/promotions/${req.body.id}/approve`, { reason: "Looks fine" });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/artifacts changed after this request was made, so the request was voided/);
    expect((await api("manager", "GET", `/drifty/promotions/${req.body.id}`)).body.status).toBe("void");
    expect((await api("manager", "GET", "/drifty")).body.environments.staging).toBeNull();
  });

  it("callers without a token get 401; members of other projects and outsiders get the same 403 as for a project that does not exist", async () => {
    const anon = await api("nobody", "GET", "");
    expect(anon.status).toBe(401);
    expect(anon.headers.get("www-authenticate")).toMatch(/^Bearer/);
    await expectNothingWritten(async () => {
      expect((await api("nobody", "POST", "/churn/promotions", { version: 1, environment: "staging", justification: "x y z" })).status).toBe(401);
      const res = await fetch(`${server.url}/api/v1/projects/${org.project.slug}/models`, { headers: { authorization: "Bearer ferry_not-a-real-token" } });
      expect(res.status).toBe(401);
    });

    const missing = await api("otherMember", "GET", "/churn", undefined, "no-such-project");
    expect(missing.status).toBe(403);
    await expectNothingWritten(async () => {
      for (const who of ["otherMember", "outsider"] as const) {
        for (const [method, rel, body] of [
          ["GET", "", undefined],
          ["GET", "/churn", undefined],
          ["GET", "/nosuch", undefined],
          ["GET", "/churn/environments/production", undefined],
          ["GET", "/churn/promotions", undefined],
          ["POST", "/churn/promotions", { version: 2, environment: "staging", justification: "Let me in" }],
          ["POST", "/churn/environments/production/rollback", { reason: "Let me in" }],
          ["PUT", "/churn/gates", { rules: [] }],
        ] as const) {
          const r = await api(who, method, rel, body);
          expect(r.status, `${who} ${method} ${rel}`).toBe(403);
          expect(r.body).toEqual(missing.body);
        }
      }
    });
    expect(missing.body.error).toBe("You do not have access to this project, or it does not exist.");
  });
});
