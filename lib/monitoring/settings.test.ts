// Integration: a model's monitoring settings (GET/PUT /api/v1/projects/{slug}/models/{name}/monitoring)
// and ingest token revocation (DELETE …/ingest-tokens/{id}) over real HTTP, with batches ingested
// through /api/v1/monitoring/{project}/{model}/batches compared with the chosen reference, on PGlite
// and PostgreSQL. Replaced, as in the other API tests: the session cookie reader, Next's cache and
// connection(), and Next's router (lib/tracking/testing-server.ts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiTokens, auditLog, batchDrift, modelIngestTokens, predictionBatches } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { as, call, request } from "@/lib/actions/testing";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { generateApiToken } from "@/lib/auth/tokens";
import { mulberry32 } from "@/lib/datasets/sample";

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

const { startTrackingServer } = await import("@/lib/tracking/testing-server");
const { createRun, logBatch, logInputs, requireRun, updateRun, datasetVersionUri } = await import("@/lib/tracking/service");
const { writeRunArtifact } = await import("@/lib/tracking/artifact-files");
const { createDataset, registerUpload, registerReference } = await import("@/lib/datasets/service");
const { createRegisteredModel, createModelVersion, requestPromotion, approvePromotion } = await import("@/lib/models/service");
const { createIngestTokenAction, revokeIngestTokenAction, updateMonitoringSettingsAction } = await import("./actions");

const TABLES = ["model_monitoring_configs", "audit_log", "model_ingest_tokens"];

/** Subscribers: age (numeric), plan (categorical), churned (the target). `shift` moves ages up. */
function rows(n: number, seed: number, shift = 0) {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const age = Math.round(20 + 40 * random() + shift);
    const plan = ["basic", "plus", "pro"][Math.floor(random() * 3)]!;
    const churned = random() < (age > 50 ? 0.4 : 0.1);
    return { age, plan, churned };
  });
}
const csvOf = (data: ReturnType<typeof rows>) => "age,plan,churned\n" + data.map((r) => `${r.age},${r.plan},${r.churned}`).join("\n") + "\n";
const upload = (csv: string) => ({ filename: "s.csv", body: [new TextEncoder().encode(csv)] }) as never;

describe(`monitoring settings API over HTTP on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let server: Awaited<ReturnType<typeof startTrackingServer>>;
  let artifacts: string;
  let modelId: string;
  const tokens: Record<string, string> = {};
  const versionIds: Record<number, string> = {};
  const modelName = `churn-${Date.now().toString(36)}`;

  async function api(token: string | null, method: string, url: string, body?: unknown) {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${server.url}${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, text, body: JSON.parse(text) as any };
  }
  const settingsUrl = (model = modelName) => `/api/v1/projects/${org.project.slug}/models/${model}/monitoring`;
  const tokensUrl = (model = modelName) => `/api/v1/projects/${org.project.slug}/models/${model}/ingest-tokens`;
  const getSettings = (who = "manager") => api(tokens[who]!, "GET", settingsUrl());
  const putSettings = (body: unknown, who = "mlEngineer") => api(tokens[who]!, "PUT", settingsUrl(), body);
  const batches = (token: string, body: unknown) => api(token, "POST", `/api/v1/monitoring/${org.project.slug}/${modelName}/batches`, body);
  const batchOf = (batchId: string, data: ReturnType<typeof rows>) => ({
    batchId,
    rows: data.map((r, i) => ({ id: `${batchId}-${i}`, features: { age: r.age, plan: r.plan }, prediction: r.age > 50 })),
  });
  async function driftOf(batchId: string) {
    const [batch] = await t.db.select().from(predictionBatches).where(and(eq(predictionBatches.modelId, modelId), eq(predictionBatches.batchId, batchId)));
    const [drift] = await t.db.select().from(batchDrift).where(eq(batchDrift.batchId, batch!.id));
    const result = drift!.result as { features: { name: string; method: string; threshold: number; drifted: boolean }[] };
    return { batch: batch!, feature: (name: string) => result.features.find((f) => f.name === name)! };
  }
  async function expectNothingWritten(fn: () => Promise<unknown>) {
    const before = await t.counts(...TABLES);
    const settings = (await getSettings()).body;
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
    expect((await getSettings()).body).toEqual(settings);
  }

  beforeAll(async () => {
    vi.spyOn(console, "error").mockImplementation((...a) => process.stderr.write(a.map(String).join(" ").slice(0, 600) + "\n"));
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    const other = await createFixtureOrg(t.db);
    request.db = t.db;
    request.sessionId = null;
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-settings-"));
    setArtifactRootForTests(artifacts);
    for (const who of ["mlEngineer", "ops", "dataScientist", "manager", "outsider", "admin"] as const) {
      const { token, hash, displayPrefix } = generateApiToken();
      await t.db.insert(apiTokens).values({ userId: org.users[who].id, name: "test", tokenHash: hash, prefix: displayPrefix });
      tokens[who] = token;
    }
    const ds: Actor = await resolveActor(t.db, org.users.dataScientist.claims);
    const ops: Actor = await resolveActor(t.db, org.users.ops.claims);
    // subscribers v1: the training data; v2: older subscribers (ages +25); v3: registered by URI (no sample).
    await createDataset(t.db, ds, org.project, { name: "subscribers", description: "" });
    versionIds[1] = (await registerUpload(t.db, ds, org.project, "subscribers", upload(csvOf(rows(400, 1))))).id;
    versionIds[2] = (await registerUpload(t.db, ds, org.project, "subscribers", upload(csvOf(rows(400, 2, 25))))).id;
    versionIds[3] = (await registerReference(t.db, ds, org.project, "subscribers", { uri: "s3://lake/subscribers.csv", sha256: "a".repeat(64), rowCount: 1000 })).id;
    // A dataset of another project: never a reference here.
    const outsiderDs: Actor = await resolveActor(t.db, other.users.dataScientist.claims);
    await createDataset(t.db, outsiderDs, other.project, { name: "elsewhere", description: "" });
    await registerUpload(t.db, outsiderDs, other.project, "elsewhere", upload(csvOf(rows(50, 3))));

    const { id } = await createRun(t.db, ds, org.project, { runName: "trained", startTime: Date.now(), tags: [] });
    const run = await requireRun(t.db, id);
    await logBatch(t.db, run, { params: [{ key: "target", value: "churned" }], metrics: [{ key: "accuracy", value: 0.9, step: 0, timestamp: Date.now() }] });
    await logInputs(t.db, run, [{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset: { name: "subscribers", digest: "x", source_type: "ferry", source: datasetVersionUri(org.project.slug, "subscribers", 1) } }]);
    await writeRunArtifact(run, ["model", "model.json"], "{}");
    await updateRun(t.db, run, { status: "FINISHED" });
    const model = await createRegisteredModel(t.db, ds, org.project, { name: modelName });
    modelId = model.id;
    await createModelVersion(t.db, ds, model, { source: `runs:/${id}/model` });
    const req = await requestPromotion(t.db, ds, model, { version: 1, environment: "production", justification: "first" });
    await approvePromotion(t.db, ops, model, req.id, "ok to ship");
    await createRegisteredModel(t.db, ds, org.project, { name: `${modelName}-other` });
    server = await startTrackingServer();
  });
  afterAll(async () => {
    await server?.close();
    setArtifactRootForTests(null);
    if (artifacts) fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  it("before any choice: the production version's training data, Evidently's defaults, no tokens; outsiders are refused", async () => {
    const res = await getSettings("manager");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      referenceDataset: null,
      effectiveReference: { dataset: "subscribers", version: 1, source: "production training data", hasSample: true, id: versionIds[1] },
      columns: {},
      tokens: [],
    });
    expect(res.body.effectiveReference.schema.map((c: { name: string }) => c.name)).toEqual(["age", "plan", "churned"]);
    expect((await api(tokens.outsider!, "GET", settingsUrl())).status).toBe(403);
    expect((await api(null, "GET", settingsUrl())).status).toBe(401);
    expect((await api(tokens.manager!, "GET", settingsUrl("no-such-model"))).status).toBe(404);
  });

  let ingestToken: string;
  let ingestTokenId: string;

  it("PUT then GET round trip: the chosen version and per-column settings; ops and admins may too", async () => {
    const put = await putSettings({ referenceDataset: { dataset: "Subscribers", version: 2 }, columns: { age: { method: "psi", threshold: 0.2 }, plan: { threshold: 0.01 }, empty: {} } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      referenceDataset: { dataset: "subscribers", version: 2, id: versionIds[2] },
      effectiveReference: { dataset: "subscribers", version: 2, source: "configured", hasSample: true },
      columns: { age: { method: "psi", threshold: 0.2 }, plan: { threshold: 0.01 } },
      updatedBy: org.users.mlEngineer.email,
    });
    // A column with neither a method nor a threshold says nothing: not kept.
    expect(Object.keys(put.body.columns)).toEqual(["age", "plan"]);
    const got = await getSettings("dataScientist");
    expect(got.status).toBe(200);
    expect(got.body).toEqual(put.body);

    for (const who of ["ops", "admin"]) {
      const again = await putSettings({ referenceDataset: { dataset: "subscribers", version: 2 }, columns: { age: { method: "psi", threshold: 0.2 }, plan: { threshold: 0.01 } } }, who);
      expect(again.status).toBe(200);
    }
  });

  it("a batch ingested after choosing another reference version is compared with it, with the column settings", async () => {
    const created = await api(tokens.mlEngineer!, "POST", tokensUrl(), { name: "serving prod" });
    expect(created.status).toBe(201);
    ingestToken = created.body.token;
    ingestTokenId = created.body.id;

    // Older subscribers, like v2: no drift of the ages against v2.
    const older = await batches(ingestToken, batchOf("older-vs-v2", rows(300, 8, 25)));
    expect(older.status).toBe(201);
    expect(older.body.drift).toMatchObject({ reference: "subscribers v2" });
    const vsV2 = await driftOf("older-vs-v2");
    expect(vsV2.batch.referenceDatasetVersionId).toBe(versionIds[2]);
    expect(vsV2.feature("age")).toMatchObject({ method: "psi", threshold: 0.2, drifted: false });
    expect(vsV2.feature("plan")).toMatchObject({ method: "chisquare", threshold: 0.01 });

    // Back to the default (columns left out: kept): the same kind of batch drifts against v1.
    const reset = await putSettings({ referenceDataset: null });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({
      referenceDataset: null,
      effectiveReference: { dataset: "subscribers", version: 1, source: "production training data" },
      columns: { age: { method: "psi", threshold: 0.2 }, plan: { threshold: 0.01 } },
    });
    const vsDefault = await batches(ingestToken, batchOf("older-vs-v1", rows(300, 9, 25)));
    expect(vsDefault.body.drift).toMatchObject({ reference: "subscribers v1" });
    const vsV1 = await driftOf("older-vs-v1");
    expect(vsV1.batch.referenceDatasetVersionId).toBe(versionIds[1]);
    expect(vsV1.feature("age")).toMatchObject({ method: "psi", threshold: 0.2, drifted: true });

    // `columns: {}` clears them: Evidently's default test again.
    const cleared = await putSettings({ referenceDataset: null, columns: {} });
    expect(cleared.body.columns).toEqual({});
    await batches(ingestToken, batchOf("defaults", rows(300, 10)));
    expect((await driftOf("defaults")).feature("age")).toMatchObject({ method: "ks", threshold: 0.05 });
  });

  it.each([
    ["an unknown dataset", { referenceDataset: { dataset: "nope", version: 1 } }, 'This project has no dataset named "nope"'],
    ["a dataset of another project", { referenceDataset: { dataset: "elsewhere", version: 1 } }, 'This project has no dataset named "elsewhere"'],
    ["an unknown version", { referenceDataset: { dataset: "subscribers", version: 9 } }, 'Dataset "subscribers" has no version 9'],
    ["a version registered by URI (no sample)", { referenceDataset: { dataset: "subscribers", version: 3 } }, "subscribers v3 was registered by URI, so Ferry holds no sample"],
    ["method foo", { referenceDataset: null, columns: { age: { method: "foo" } } }, 'columns.age.method: unknown method "foo": use one of ks, chisquare, z, wasserstein, jensenshannon, psi'],
    ["a negative threshold", { referenceDataset: null, columns: { age: { threshold: -0.1 } } }, "columns.age.threshold: threshold must be greater than 0"],
    ["a p-value threshold above 1", { referenceDataset: null, columns: { age: { method: "ks", threshold: 1.5 } } }, "columns.age.threshold: threshold of ks is a p-value"],
    ["a threshold above 1 without a method", { referenceDataset: null, columns: { age: { threshold: 2 } } }, "threshold above 1 needs a distance method"],
    ["an empty column name", { referenceDataset: null, columns: { " ": { threshold: 0.1 } } }, "column names must not be empty"],
    ["a misspelt field", { referenceDataset: null, columns: { age: { method: "psi", treshold: 0.1 } } }, "unknown fields treshold"],
    ["no referenceDataset", { columns: {} }, "referenceDataset"],
    ["a version as a string", { referenceDataset: { dataset: "subscribers", version: "2" } }, "referenceDataset.version: version must be a number"],
  ])("%s → 400 with a clear message, nothing written", async (_what, body, message) => {
    await expectNothingWritten(async () => {
      const res = await putSettings(body);
      expect(res.status).toBe(400);
      expect(res.body.error).toContain(message);
    });
  });

  it("a distance threshold above 1 is fine", async () => {
    const res = await putSettings({ referenceDataset: null, columns: { age: { method: "wasserstein", threshold: 1.5 } } });
    expect(res.status).toBe(200);
    expect(res.body.columns).toEqual({ age: { method: "wasserstein", threshold: 1.5 } });
  });

  it("data scientists and managers cannot change the settings or revoke tokens (403), nothing written", async () => {
    await expectNothingWritten(async () => {
      for (const who of ["dataScientist", "manager"]) {
        expect((await putSettings({ referenceDataset: { dataset: "subscribers", version: 2 } }, who)).status).toBe(403);
        expect((await api(tokens[who]!, "DELETE", `${tokensUrl()}/${ingestTokenId}`)).status).toBe(403);
      }
      expect((await putSettings({ referenceDataset: null }, "outsider")).status).toBe(403);
    });
  });

  it("lists tokens with last use and never their hashes; a revoked token gets 401 at ingest", async () => {
    const listed = await getSettings("manager");
    const token = listed.body.tokens.find((x: { id: string }) => x.id === ingestTokenId);
    expect(Object.keys(token).sort()).toEqual(["createdAt", "createdBy", "displayPrefix", "id", "lastUsedAt", "name", "revokedAt"]);
    expect(token).toMatchObject({ name: "serving prod", createdBy: org.users.mlEngineer.email, revokedAt: null, displayPrefix: ingestToken.slice(0, 18) });
    expect(token.lastUsedAt).not.toBeNull();
    const [row] = await t.db.select({ hash: modelIngestTokens.tokenHash }).from(modelIngestTokens).where(eq(modelIngestTokens.id, ingestTokenId));
    expect(listed.text).not.toContain(row!.hash);
    expect(listed.text).not.toContain(ingestToken);

    // Another model's token, unknown ids and malformed ids: 404 from this model.
    const other = await api(tokens.ops!, "POST", tokensUrl(`${modelName}-other`), { name: "other" });
    await expectNothingWritten(async () => {
      expect((await api(tokens.mlEngineer!, "DELETE", `${tokensUrl()}/${other.body.id}`)).status).toBe(404);
      expect((await api(tokens.mlEngineer!, "DELETE", `${tokensUrl()}/${crypto.randomUUID()}`)).status).toBe(404);
      expect((await api(tokens.mlEngineer!, "DELETE", `${tokensUrl()}/not-a-uuid`)).status).toBe(404);
    });

    const revoked = await api(tokens.ops!, "DELETE", `${tokensUrl()}/${ingestTokenId}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: ingestTokenId, name: "serving prod" });
    expect(revoked.body.revokedAt).not.toBeNull();
    const refused = await batches(ingestToken, batchOf("after-revoke", rows(5, 11)));
    expect(refused.status).toBe(401);
    expect(refused.body.error).toContain("revoked");
    // Revoking again changes nothing and succeeds.
    await expectNothingWritten(async () => {
      const again = await api(tokens.ops!, "DELETE", `${tokensUrl()}/${ingestTokenId}`);
      expect(again.status).toBe(200);
      expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    });
    expect((await getSettings()).body.tokens.find((x: { id: string }) => x.id === ingestTokenId).revokedAt).toBe(revoked.body.revokedAt);
  });

  it("every change is in the audit log, with what was before and after", async () => {
    const entries = await t.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, modelId), inArray(auditLog.action, ["model.monitoring.update", "model.ingest_token.revoke"])))
      .orderBy(auditLog.id);
    const updates = entries.filter((e) => e.action === "model.monitoring.update");
    expect(updates[0]).toMatchObject({
      actorEmail: org.users.mlEngineer.email,
      projectId: org.project.id,
      before: { referenceDataset: null, columns: {} },
      after: { referenceDataset: { dataset: "subscribers", version: 2 }, columns: { age: { method: "psi", threshold: 0.2 }, plan: { threshold: 0.01 } } },
    });
    expect(updates[0]!.summary).toContain("to subscribers v2 (2 column settings)");
    expect(updates.find((e) => e.actorEmail === org.users.ops.email)).toBeDefined();
    const revokes = entries.filter((e) => e.action === "model.ingest_token.revoke");
    expect(revokes).toHaveLength(1);
    expect(revokes[0]).toMatchObject({ actorEmail: org.users.ops.email, before: { name: "serving prod", revokedAt: null } });
    expect(revokes[0]!.summary).toContain('revoked ingest token "serving prod"');
  });

  describe("server actions (the settings page's forms)", () => {
    const base = () => ({ projectSlug: org.project.slug, modelName });

    it("save the reference from the select value and the columns from the editor's JSON", async () => {
      as(org.users.mlEngineer.claims);
      const ok = await call(updateMonitoringSettingsAction, { ...base(), reference: "subscribers@2", columns: JSON.stringify({ plan: { method: "jensenshannon" } }) });
      expect(ok).toMatchObject({ status: "success", message: "Saved. New batches are compared with subscribers v2." });
      expect((await getSettings()).body).toMatchObject({ referenceDataset: { version: 2 }, columns: { plan: { method: "jensenshannon" } } });

      const back = await call(updateMonitoringSettingsAction, { ...base(), reference: "", columns: "{}" });
      expect(back).toMatchObject({ status: "success", message: "Saved. New batches are compared with subscribers v1." });
    });

    it("bad input comes back next to its field, nothing written", async () => {
      as(org.users.mlEngineer.claims);
      await expectNothingWritten(async () => {
        const bad = await call(updateMonitoringSettingsAction, { ...base(), reference: "", columns: JSON.stringify({ age: { method: "z", threshold: 3 } }) });
        expect(bad).toMatchObject({ status: "error", fieldErrors: { columns: ["Column age: threshold of z is a p-value: give a number in (0, 1], e.g. 0.05."] } });
        const uri = await call(updateMonitoringSettingsAction, { ...base(), reference: "subscribers@3", columns: "{}" });
        expect(uri.status).toBe("error");
        expect(uri.status === "error" && uri.fieldErrors?.reference?.[0]).toContain("registered by URI");
        const garbled = await call(updateMonitoringSettingsAction, { ...base(), reference: "subscribers", columns: "{}" });
        expect(garbled).toMatchObject({ status: "error", fieldErrors: { reference: ["Choose a dataset version from the list."] } });
        as(org.users.manager.claims);
        expect((await call(updateMonitoringSettingsAction, { ...base(), reference: "", columns: "{}" })).status).toBe("error");
      });
    });

    it("create returns the token once; revoke stops it", async () => {
      as(org.users.ops.claims);
      const created = await call(createIngestTokenAction, { ...base(), name: "batch scorer" });
      expect(created.status).toBe("success");
      const data = (created as { data: { id: string; token: string; displayPrefix: string } }).data;
      expect(data.token).toMatch(/^ferryingest_/);
      expect((await batches(data.token, batchOf("from-action", rows(5, 12)))).status).toBe(201);
      const revoked = await call(revokeIngestTokenAction, { ...base(), tokenId: data.id });
      expect(revoked).toMatchObject({ status: "success", message: 'Token "batch scorer" revoked.' });
      expect((await batches(data.token, batchOf("from-action-2", rows(5, 13)))).status).toBe(401);
      as(org.users.dataScientist.claims);
      expect((await call(createIngestTokenAction, { ...base(), name: "nope" })).status).toBe("error");
    });
  });
});
