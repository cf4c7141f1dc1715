// Integration: the monitoring ingest API (/api/v1/monitoring/{project}/{model}/batches and /labels,
// and …/models/{name}/ingest-tokens) over real HTTP, with real drift against the training dataset
// version's stored sample, on PGlite and PostgreSQL. Replaced, as in the other API tests: the session
// cookie reader, Next's cache and connection(), and Next's router (lib/tracking/testing-server.ts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import zlib from "node:zlib";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { alertDeliveries, apiTokens, batchDrift, predictionBatches, predictions } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { request } from "@/lib/actions/testing";
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
const { createDataset, registerUpload } = await import("@/lib/datasets/service");
const { createRegisteredModel, createModelVersion, requestPromotion, approvePromotion, setGateRules, findModelByName } = await import("@/lib/models/service");
const { setWebhookAllowForTests, setRetryDelaysForTests, settleDeliveries } = await import("./alerts");

const TABLES = ["prediction_batches", "predictions", "batch_drift"];

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

describe(`monitoring ingest API over HTTP on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let server: Awaited<ReturnType<typeof startTrackingServer>>;
  let artifacts: string;
  let ingestToken: string;
  let otherModelToken: string;
  const tokens: Record<string, string> = {};
  const modelName = `churn-${Date.now().toString(36)}`;

  async function api(token: string | null, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const h: Record<string, string> = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined && !h["content-type"]) h["content-type"] = "application/json";
    const res = await fetch(`${server.url}${url}`, { method, headers: h, body: body === undefined ? undefined : body instanceof Uint8Array ? (body as unknown as BodyInit) : JSON.stringify(body) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json()) as any };
  }
  const batches = (token: string | null, body: unknown, model = modelName, headers?: Record<string, string>) =>
    api(token, "POST", `/api/v1/monitoring/${org.project.slug}/${model}/batches`, body, headers);

  async function expectNothingWritten(fn: () => Promise<unknown>) {
    const before = await t.counts(...TABLES);
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
  }

  beforeAll(async () => {
    vi.spyOn(console, "error").mockImplementation((...a) => process.stderr.write(a.map(String).join(" ").slice(0, 600) + "\n"));
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    request.db = t.db;
    request.sessionId = null;
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-ingest-"));
    setArtifactRootForTests(artifacts);
    for (const who of ["mlEngineer", "ops", "dataScientist", "manager", "outsider"] as const) {
      const { token, hash, displayPrefix } = generateApiToken();
      await t.db.insert(apiTokens).values({ userId: org.users[who].id, name: "test", tokenHash: hash, prefix: displayPrefix });
      tokens[who] = token;
    }
    const ds: Actor = await resolveActor(t.db, org.users.dataScientist.claims);
    const ops: Actor = await resolveActor(t.db, org.users.ops.claims);
    // Training data: 400 subscribers, uploaded (so its profile and sample are stored).
    await createDataset(t.db, ds, org.project, { name: "subscribers", description: "" });
    const csv = "age,plan,churned\n" + rows(400, 1).map((r) => `${r.age},${r.plan},${r.churned}`).join("\n") + "\n";
    await registerUpload(t.db, ds, org.project, "subscribers", { filename: "s.csv", body: [new TextEncoder().encode(csv)] } as never);
    // A finished run on it, with its model files, registered and approved for production.
    const { id } = await createRun(t.db, ds, org.project, { runName: "trained", startTime: Date.now(), tags: [] });
    const run = await requireRun(t.db, id);
    await logBatch(t.db, run, { params: [{ key: "target", value: "churned" }], metrics: [{ key: "accuracy", value: 0.9, step: 0, timestamp: Date.now() }] });
    await logInputs(t.db, run, [{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset: { name: "subscribers", digest: "x", source_type: "ferry", source: datasetVersionUri(org.project.slug, "subscribers", 1) } }]);
    await writeRunArtifact(run, ["model", "model.json"], "{}");
    await updateRun(t.db, run, { status: "FINISHED" });
    for (const name of [modelName, `${modelName}-alerts`]) {
      const model = await createRegisteredModel(t.db, ds, org.project, { name });
      await createModelVersion(t.db, ds, model, { source: `runs:/${id}/model` });
      const req = await requestPromotion(t.db, ds, model, { version: 1, environment: "production", justification: "first" });
      await approvePromotion(t.db, ops, model, req.id, "ok to ship");
    }
    await createRegisteredModel(t.db, ds, org.project, { name: `${modelName}-other` });
    server = await startTrackingServer();
  });
  afterAll(async () => {
    await server?.close();
    setArtifactRootForTests(null);
    if (artifacts) fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  it("ML engineers and ops create ingest tokens (shown once, stored hashed); data scientists and managers cannot", async () => {
    const created = await api(tokens.mlEngineer!, "POST", `/api/v1/projects/${org.project.slug}/models/${modelName}/ingest-tokens`, { name: "serving prod" });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^ferryingest_[A-Za-z0-9_-]{43}$/);
    ingestToken = created.body.token;
    const other = await api(tokens.ops!, "POST", `/api/v1/projects/${org.project.slug}/models/${modelName}-other/ingest-tokens`, { name: "other" });
    expect(other.status).toBe(201);
    otherModelToken = other.body.token;
    for (const who of ["dataScientist", "manager"]) {
      const refused = await api(tokens[who]!, "POST", `/api/v1/projects/${org.project.slug}/models/${modelName}/ingest-tokens`, { name: "nope" });
      expect(refused.status).toBe(403);
    }
    const bad = await api(tokens.mlEngineer!, "POST", `/api/v1/projects/${org.project.slug}/models/${modelName}/ingest-tokens`, { name: "" });
    expect(bad.status).toBe(400);
  });

  // calm-1 is sent for 08:00, shifted-1 for 09:00, everything else for 10:00 (UTC, 26 Nov 2026).
  const hourOf = (batchId: string) => (batchId === "calm-1" ? "08" : batchId === "shifted-1" ? "09" : "10");
  const batchOf = (batchId: string, data: ReturnType<typeof rows>, prefix = batchId) => ({
    batchId,
    rows: data.map((r, i) => ({
      id: `${prefix}-${i}`,
      timestamp: `2026-11-26T${hourOf(batchId)}:${String(i % 60).padStart(2, "0")}:00Z`,
      features: { age: r.age, plan: r.plan },
      prediction: r.age > 50,
      score: r.age / 100,
    })),
  });

  it("a batch like the training data does not drift; a shifted one does, per feature and for the prediction", async () => {
    const calm = await batches(ingestToken, batchOf("calm-1", rows(500, 7)));
    expect(calm.status).toBe(201);
    expect(calm.body).toMatchObject({ batchId: "calm-1", rows: 500, duplicate: false, drift: { drifted: false, reference: "subscribers v1" } });
    const shifted = await batches(ingestToken, batchOf("shifted-1", rows(500, 8, 25)));
    expect(shifted.status).toBe(201);
    expect(shifted.body.drift).toMatchObject({ drifted: true });
    const [batch] = await t.db.select().from(predictionBatches).where(eq(predictionBatches.batchId, "shifted-1"));
    const [drift] = await t.db.select().from(batchDrift).where(eq(batchDrift.batchId, batch!.id));
    const result = drift!.result as { features: { name: string; method: string; drifted: boolean; pValue: number | null; psi: number | null }[]; prediction: { name: string; drifted: boolean } | null };
    const age = result.features.find((f) => f.name === "age")!;
    // 400 reference rows: KS for a numeric column with many values, chi-square for the plan.
    expect(age).toMatchObject({ method: "ks", drifted: true });
    expect(age.pValue).toBeLessThan(0.05);
    expect(age.psi).toBeGreaterThan(0.1);
    expect(result.features.find((f) => f.name === "plan")).toMatchObject({ method: "chisquare", drifted: false });
    expect(result.prediction).toMatchObject({ name: "prediction" });
    expect(batch).toMatchObject({ rows: 500 });
    expect(await t.db.select().from(predictions).where(eq(predictions.batchId, batch!.id))).toHaveLength(500);
  });

  it("the same batch id twice changes nothing", async () => {
    await expectNothingWritten(async () => {
      const again = await batches(ingestToken, batchOf("calm-1", rows(500, 7)));
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ batchId: "calm-1", rows: 500, duplicate: true });
    });
  });

  it("10,001 rows → 413 and nothing written", async () => {
    await expectNothingWritten(async () => {
      const big = await batches(ingestToken, batchOf("big", rows(10_001, 9)));
      expect(big.status).toBe(413);
      expect(big.body.error).toContain("at most 10,000 rows");
    });
  });

  it("another model's ingest token → 403; no token or an API token → 401", async () => {
    await expectNothingWritten(async () => {
      const other = await batches(otherModelToken, batchOf("other", rows(5, 10)));
      expect(other.status).toBe(403);
      expect(other.body.error).toContain("belongs to another model");
      expect((await batches(null, batchOf("none", rows(5, 10)))).status).toBe(401);
      expect((await batches(tokens.mlEngineer!, batchOf("api", rows(5, 10)))).status).toBe(401);
    });
  });

  it.each([
    [{ id: "r3", features: { age: { years: 30 } }, prediction: true }, 'Row 3 (id "r3"): features.age must be a number, a string, a boolean or null'],
    [{ features: { age: [30] }, prediction: true }, "Row 3: features.age"],
    [{ features: { age: 30 }, prediction: true, score: "high" }, "Row 3: score must be a number"],
    [{ features: { age: 30 } }, "Row 3: prediction"],
    [{ features: "age=30", prediction: true }, "Row 3: features"],
    [{ features: { age: 30 }, prediction: true, timestamp: "yesterday" }, "Row 3: timestamp"],
    [{ features: { age: 30 }, prediction: true, extra: 1 }, "Row 3: has unknown fields: extra"],
    [{ id: "dup-0", features: { age: 30 }, prediction: true }, 'Row 3 (id "dup-0"): id repeats an earlier row'],
    [{ features: { age: 1e308 }, prediction: true }, "Row 3: features.age must be a finite number of magnitude at most 1e300"],
    [{ features: { age: 30 }, prediction: true, timestamp: "0000-01-01T00:00:00+01:00" }, "Row 3: timestamp must be between the years 1 and 9999"],
    [{ features: { "a\u0000b": 30 }, prediction: true }, "Row 3: features"],
    [{ features: { plan: "pro\u0000" }, prediction: true }, "Row 3: features.plan must"],
  ])("a malformed row → 400 naming the row and field, nothing written (%j)", async (bad, message) => {
    await expectNothingWritten(async () => {
      const good = batchOf("malformed", rows(3, 11), "dup").rows;
      const res = await batches(ingestToken, { batchId: "malformed", rows: [...good, JSON.parse(JSON.stringify(bad))] });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error).toContain(message);
      expect(res.body.error).toContain("Nothing was written");
    });
  });

  it("a prediction id sent in an earlier batch is refused, nothing written", async () => {
    await expectNothingWritten(async () => {
      const res = await batches(ingestToken, batchOf("reuse", rows(3, 12), "calm-1"));
      expect(res.status).toBe(400);
      expect(res.body.error).toContain('id "calm-1-0" was already received');
    });
  });

  it("accepts gzip", async () => {
    const body = zlib.gzipSync(JSON.stringify(batchOf("gzipped", rows(50, 13))));
    const res = await batches(ingestToken, new Uint8Array(body), modelName, { "content-encoding": "gzip", "content-type": "application/json" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ rows: 50, duplicate: false });
  });

  it("late labels attach by prediction id, all or nothing", async () => {
    const url = `/api/v1/monitoring/${org.project.slug}/${modelName}/labels`;
    const ok = await api(ingestToken, "POST", url, { labels: [{ id: "calm-1-0", label: true }, { id: "calm-1-1", label: false }] });
    expect(ok.body).toEqual({ updated: 2 });
    const [row] = await t.db.select().from(predictions).where(eq(predictions.predictionId, "calm-1-0"));
    expect(row).toMatchObject({ label: "true" });
    expect(row!.labelledAt).not.toBeNull();
    const before = await t.db.select().from(predictions).where(eq(predictions.predictionId, "calm-1-2"));
    const unknown = await api(ingestToken, "POST", url, { labels: [{ id: "calm-1-2", label: true }, { id: "nope", label: true }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('No prediction with id "nope"');
    expect(await t.db.select().from(predictions).where(eq(predictions.predictionId, "calm-1-2"))).toEqual(before);
    const other = await api(otherModelToken, "POST", `/api/v1/monitoring/${org.project.slug}/${modelName}/labels`, { labels: [{ id: "calm-1-3", label: true }] });
    expect(other.status).toBe(403);
  });

  describe("read API", () => {
    const read = (who: string, kind: "drift" | "performance", query: string) =>
      api(tokens[who] ?? null, "GET", `/api/v1/monitoring/${org.project.slug}/${modelName}/${kind}?${query}`);
    const day = "from=2026-11-26T00:00:00Z&to=2026-11-27T00:00:00Z";

    it("drift per batch and per hour: the shifted hour drifts, the calm one does not", async () => {
      const batch = await read("manager", "drift", `${day}&window=batch`);
      expect(batch.status).toBe(200);
      const byStart = (ws: { start: string }[], hour: string) => ws.find((w) => w.start === `2026-11-26T${hour}:00:00.000Z`);
      expect(byStart(batch.body.windows, "08")).toMatchObject({ rows: 500, drifted: false });
      expect(byStart(batch.body.windows, "09")).toMatchObject({ rows: 500, drifted: true });
      const hour = await read("manager", "drift", `${day}&window=hour`);
      expect(hour.status).toBe(200);
      expect(hour.body.windows).toHaveLength(24);
      const calm = byStart(hour.body.windows, "08") as unknown as { rows: number; drifted: boolean; driftShare: number; features: { name: string }[] };
      const shifted = byStart(hour.body.windows, "09") as unknown as typeof calm;
      expect(calm).toMatchObject({ rows: 500, drifted: false });
      expect(shifted).toMatchObject({ rows: 500, drifted: true });
      expect(shifted.features.find((f) => f.name === "age")).toMatchObject({ method: "ks", drifted: true, threshold: 0.05 });
      expect(Object.keys(shifted.features[0]!).sort()).toEqual(["drifted", "method", "name", "pValue", "psi", "score", "threshold"]);
      expect(byStart(hour.body.windows, "03")).toMatchObject({ rows: 0, driftShare: null, drifted: false, features: [] });
      const days = await read("manager", "drift", `from=2026-11-20T00:00:00Z&to=2026-11-27T00:00:00Z&window=day`);
      expect(days.body.windows).toHaveLength(7);
      expect(days.body.windows.at(-1)).toMatchObject({ rows: 500 + 500 + 50 });
    });

    it("performance per hour from late labels, with accuracy, precision, recall and F1", async () => {
      const res = await read("manager", "performance", `${day}&window=hour`);
      expect(res.status).toBe(200);
      const calm = (res.body.windows as { start: string }[]).find((w) => w.start === "2026-11-26T08:00:00.000Z");
      // Labels were attached to calm-1-0 (true) and calm-1-1 (false); predictions were age > 50.
      const data = rows(500, 7).slice(0, 2);
      const predicted = data.map((r) => String(r.age > 50));
      const actual = ["true", "false"];
      const correct = predicted.filter((p, i) => p === actual[i]).length;
      expect(calm).toMatchObject({ rows: 500, labelled: 2, accuracy: correct / 2 });
      const empty = (res.body.windows as { start: string }[]).find((w) => w.start === "2026-11-26T03:00:00.000Z");
      expect(empty).toEqual({ start: "2026-11-26T03:00:00.000Z", end: "2026-11-26T04:00:00.000Z", rows: 0, labelled: 0, accuracy: null, precision: null, recall: null, f1: null });
    });

    it("refuses bad queries and people outside the project", async () => {
      expect((await read("manager", "drift", "window=week")).status).toBe(400);
      expect((await read("manager", "drift", "from=2026-11-27T00:00:00Z&to=2026-11-26T00:00:00Z")).body.error).toContain("from must be before to");
      expect((await read("manager", "drift", "from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&window=hour")).body.error).toContain("ask for at most 1000");
      expect((await read("outsider", "drift", day)).status).toBe(403);
      expect((await read("nobody", "performance", day)).status).toBe(401);
    });
  });

  describe("alerts", () => {
    const alertsModel = `${modelName}-alerts`;
    let token: string;
    let hook: http.Server;
    let hookUrl: string;
    const received: { event: string; alert: { kind: string; status: string } }[] = [];
    let failNext = 0;

    beforeAll(async () => {
      const created = await api(tokens.ops!, "POST", `/api/v1/projects/${org.project.slug}/models/${alertsModel}/ingest-tokens`, { name: "alerts" });
      token = created.body.token;
      hook = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
          if (failNext > 0) {
            failNext--;
            res.writeHead(503).end();
            return;
          }
          received.push(JSON.parse(body));
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
      const port = (hook.address() as { port: number }).port;
      hookUrl = `http://127.0.0.1:${port}/ferry`;
      setRetryDelaysForTests([10, 20, 40]);
    });
    afterAll(async () => {
      await settleDeliveries();
      setWebhookAllowForTests(null);
      setRetryDelaysForTests(null);
      await new Promise((r) => hook?.close(r));
    });

    const webhook = (who: string, url: string | null) => api(tokens[who]!, "PUT", `/api/v1/projects/${org.project.slug}/models/${alertsModel}/webhook`, { url });
    const alerts = async () => (await api(tokens.manager!, "GET", `/api/v1/projects/${org.project.slug}/models/${alertsModel}/alerts`)).body.alerts as { id: string; kind: string; status: string; occurrences: number; summary: string }[];

    it("a webhook to a loopback, private or link-local address is refused unless allow-listed", async () => {
      for (const url of [hookUrl, "http://10.0.0.8/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]/x"]) {
        const res = await webhook("ops", url);
        expect(res.status, url).toBe(400);
        expect(res.body.error).toMatch(/private, loopback or link-local/);
      }
      expect((await webhook("dataScientist", "https://hooks.example.com/x")).status).toBe(403);
      setWebhookAllowForTests([new URL(hookUrl).host]);
      expect((await webhook("ops", hookUrl)).status).toBe(200);
    });

    it("a drifted batch opens the drift alert (webhook retried after a 503), a second refreshes it, a calm batch resolves it", async () => {
      failNext = 1;
      const first = await batches(token, batchOf("a-shift-1", rows(300, 21, 25), "a1"), alertsModel);
      expect(first.body.drift.drifted).toBe(true);
      await settleDeliveries();
      let list = await alerts();
      expect(list).toHaveLength(1);
      expect(list[0]).toMatchObject({ kind: "drift", status: "open", occurrences: 1 });
      expect(received.map((r) => [r.event, r.alert.kind, r.alert.status])).toEqual([["alert.opened", "drift", "open"]]);
      // The sidebar counts it for people of the project, not for others.
      const { getNotificationCounts } = await import("@/lib/models/queries");
      expect((await getNotificationCounts(t.db, { id: org.users.manager.id, isAdmin: false })).alerts[org.project.slug]).toBeGreaterThanOrEqual(1);
      expect((await getNotificationCounts(t.db, { id: org.users.outsider.id, isAdmin: false })).alerts).toEqual({});
      const attempts = await t.db.select().from(alertDeliveries).where(eq(alertDeliveries.alertId, list[0]!.id));
      expect(attempts.map((a) => a.status).sort()).toEqual([204, 503]);
      await batches(token, batchOf("a-shift-2", rows(300, 22, 25), "a2"), alertsModel);
      list = await alerts();
      expect(list).toMatchObject([{ status: "open", occurrences: 2 }]);
      // A batch without any of the monitored features tests nothing: the alert stays as it is.
      await batches(token, { batchId: "a-empty", rows: Array.from({ length: 50 }, (_, i) => ({ id: `ae-${i}`, features: {}, prediction: true })) }, alertsModel);
      expect(await alerts()).toMatchObject([{ status: "open", occurrences: 2 }]);
      // Acknowledged by ops, still unresolved; then a calm batch resolves it by itself.
      const ack = await api(tokens.ops!, "POST", `/api/v1/projects/${org.project.slug}/models/${alertsModel}/alerts/${list[0]!.id}/acknowledge`, {});
      expect(ack.body).toEqual({ id: list[0]!.id, status: "acknowledged" });
      expect((await api(tokens.manager!, "POST", `/api/v1/projects/${org.project.slug}/models/${alertsModel}/alerts/${list[0]!.id}/resolve`, {})).status).toBe(403);
      const calm = await batches(token, batchOf("a-calm-1", rows(300, 23), "a3"), alertsModel);
      expect(calm.body.drift.drifted).toBe(false);
      await settleDeliveries();
      list = await alerts();
      expect(list).toMatchObject([{ status: "resolved" }]);
      expect(received.map((r) => r.event)).toEqual(["alert.opened", "alert.resolved"]);
      // A new crossing opens a new alert.
      await batches(token, batchOf("a-shift-3", rows(300, 24, 25), "a4"), alertsModel);
      await settleDeliveries();
      expect((await alerts()).map((a) => a.status)).toEqual(["open", "resolved"]);
    });

    it("labelled performance below a gate minimum opens the performance alert", async () => {
      await setGateRules(t.db, (await resolveActor(t.db, org.users.mlEngineer.claims)), (await findModelByName(t.db, alertsModel))!, [{ metric: "accuracy", minValue: 0.95, maxDrop: null }]);
      const now = new Date();
      const sent = rows(200, 25).map((r, i) => ({ id: `perf-${i}`, timestamp: now.toISOString(), features: { age: r.age, plan: r.plan }, prediction: r.age > 50 }));
      await batches(token, { batchId: "perf", rows: sent }, alertsModel);
      // Every label is the opposite of the prediction: accuracy 0.
      const labels = sent.map((r) => ({ id: r.id, label: !r.prediction }));
      const res = await api(token, "POST", `/api/v1/monitoring/${org.project.slug}/${alertsModel}/labels`, { labels });
      expect(res.body).toEqual({ updated: 200 });
      const perf = (await alerts()).find((a) => a.kind === "performance");
      expect(perf).toMatchObject({ status: "open" });
      expect(perf!.summary).toContain("accuracy 0.000 < 0.95");
    });
  });
});
