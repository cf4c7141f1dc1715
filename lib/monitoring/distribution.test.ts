// Integration: GET /api/v1/monitoring/{project}/{model}/distribution over real HTTP — one feature's
// production values against the training dataset version's stored sample, on the bins drift uses —
// on PGlite and PostgreSQL. Set up as lib/monitoring/ingest.test.ts: a dataset upload, a finished
// run on it, a version approved for production, an ingest token and batches.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiTokens, registeredModels } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { request } from "@/lib/actions/testing";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { generateApiToken } from "@/lib/auth/tokens";
import { mulberry32 } from "@/lib/datasets/sample";
import { binnedShares } from "./drift";

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

const { startTrackingServer } = await import("@/lib/tracking/testing-server");
const { createRun, logBatch, logInputs, requireRun, updateRun, datasetVersionUri } = await import("@/lib/tracking/service");
const { writeRunArtifact } = await import("@/lib/tracking/artifact-files");
const { createDataset, registerUpload } = await import("@/lib/datasets/service");
const { createRegisteredModel, createModelVersion, requestPromotion, approvePromotion } = await import("@/lib/models/service");
const { readFeatureValues } = await import("./page-queries");

/** Subscribers: age (numeric, many values), plan (categorical), autopay (boolean), churned (the target). */
function rows(n: number, seed: number, shift = 0) {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const age = Math.round(20 + 40 * random() + shift);
    const plan = ["basic", "plus", "pro"][Math.floor(random() * 3)]!;
    const autopay = random() < (shift ? 0.2 : 0.6);
    const churned = random() < (age > 50 ? 0.4 : 0.1);
    return { age, plan, autopay, churned };
  });
}

interface Bin {
  label: string;
  reference: number | null;
  current: number | null;
}

describe(`monitoring distribution API over HTTP on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let server: Awaited<ReturnType<typeof startTrackingServer>>;
  let artifacts: string;
  const tokens: Record<string, string> = {};
  const modelName = `churn-dist-${Date.now().toString(36)}`;
  const training = rows(400, 1);
  const calm = rows(300, 7);
  const shifted = rows(200, 8, 25);

  async function api(token: string | null, method: string, url: string, body?: unknown) {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${server.url}${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json()) as any };
  }
  const distribution = (who: string | null, query: string, model = modelName) =>
    api(who ? (tokens[who] ?? "ferry_nobody") : null, "GET", `/api/v1/monitoring/${org.project.slug}/${model}/distribution?${query}`);

  // calm is sent for 08:00–08:59, shifted for 09:00–09:59 (UTC, 26 Nov 2026).
  const batchOf = (batchId: string, data: ReturnType<typeof rows>, hour: string) => ({
    batchId,
    rows: data.map((r, i) => ({
      id: `${batchId}-${i}`,
      timestamp: `2026-11-26T${hour}:${String(i % 60).padStart(2, "0")}:${String(Math.floor(i / 60) % 60).padStart(2, "0")}Z`,
      // Every tenth calm row has no plan: missing values are counted, not binned.
      features: { age: r.age, plan: batchId === "calm" && i % 10 === 0 ? null : r.plan, autopay: r.autopay },
      prediction: r.age > 50,
    })),
  });

  beforeAll(async () => {
    vi.spyOn(console, "error").mockImplementation((...a) => process.stderr.write(a.map(String).join(" ").slice(0, 600) + "\n"));
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    request.db = t.db;
    request.sessionId = null;
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-distribution-"));
    setArtifactRootForTests(artifacts);
    for (const who of ["mlEngineer", "manager", "outsider"] as const) {
      const { token, hash, displayPrefix } = generateApiToken();
      await t.db.insert(apiTokens).values({ userId: org.users[who].id, name: "test", tokenHash: hash, prefix: displayPrefix });
      tokens[who] = token;
    }
    const ds: Actor = await resolveActor(t.db, org.users.dataScientist.claims);
    const ops: Actor = await resolveActor(t.db, org.users.ops.claims);
    await createDataset(t.db, ds, org.project, { name: "subscribers", description: "" });
    const csv = "age,plan,autopay,churned\n" + training.map((r) => `${r.age},${r.plan},${r.autopay},${r.churned}`).join("\n") + "\n";
    await registerUpload(t.db, ds, org.project, "subscribers", { filename: "s.csv", body: [new TextEncoder().encode(csv)] } as never);
    const { id } = await createRun(t.db, ds, org.project, { runName: "trained", startTime: Date.now(), tags: [] });
    const run = await requireRun(t.db, id);
    await logBatch(t.db, run, { params: [{ key: "target", value: "churned" }], metrics: [{ key: "accuracy", value: 0.9, step: 0, timestamp: Date.now() }] });
    await logInputs(t.db, run, [{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset: { name: "subscribers", digest: "x", source_type: "ferry", source: datasetVersionUri(org.project.slug, "subscribers", 1) } }]);
    await writeRunArtifact(run, ["model", "model.json"], "{}");
    await updateRun(t.db, run, { status: "FINISHED" });
    const model = await createRegisteredModel(t.db, ds, org.project, { name: modelName });
    await createModelVersion(t.db, ds, model, { source: `runs:/${id}/model` });
    const req = await requestPromotion(t.db, ds, model, { version: 1, environment: "production", justification: "first" });
    await approvePromotion(t.db, ops, model, req.id, "ok to ship");
    await createRegisteredModel(t.db, ds, org.project, { name: `${modelName}-unserved` });
    server = await startTrackingServer();
    const created = await api(tokens.mlEngineer!, "POST", `/api/v1/projects/${org.project.slug}/models/${modelName}/ingest-tokens`, { name: "serving" });
    expect(created.status).toBe(201);
    const ingest = created.body.token as string;
    for (const [batchId, data, hour] of [["calm", calm, "08"], ["shifted", shifted, "09"]] as const) {
      const sent = await api(ingest, "POST", `/api/v1/monitoring/${org.project.slug}/${modelName}/batches`, batchOf(batchId, data, hour));
      expect(sent.status).toBe(201);
    }
  });
  afterAll(async () => {
    await server?.close();
    setArtifactRootForTests(null);
    if (artifacts) fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  const calmHour = "from=2026-11-26T08:00:00Z&to=2026-11-26T09:00:00Z";
  const shiftedHour = "from=2026-11-26T09:00:00Z&to=2026-11-26T10:00:00Z";
  const sum = (bins: Bin[], side: "reference" | "current") => bins.reduce((s, b) => s + (b[side] ?? 0), 0);

  it("a numeric feature: Sturges ranges over reference + current, the shares drift's PSI and Jensen–Shannon use", async () => {
    const res = await distribution("manager", `feature=age&${calmHour}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      feature: "age",
      kind: "numeric",
      binning: "sturges",
      reference: { label: "subscribers v1", rows: 400 },
      current: { rows: 300, sampled: 300, missing: 0 },
      from: "2026-11-26T08:00:00.000Z",
      to: "2026-11-26T09:00:00.000Z",
    });
    const expected = binnedShares(
      training.map((r) => r.age),
      calm.map((r) => r.age),
      "numeric",
    );
    const bins = res.body.bins as Bin[];
    expect(bins.map((b) => b.reference)).toEqual(Array.from(expected.reference));
    expect(bins.map((b) => b.current)).toEqual(Array.from(expected.current));
    expect(sum(bins, "reference")).toBeCloseTo(1, 10);
    expect(sum(bins, "current")).toBeCloseTo(1, 10);
    // Ranges read "lo–hi", adjacent, from the smallest age to the largest.
    const ages = [...training, ...calm].map((r) => r.age);
    expect(bins[0]!.label).toMatch(new RegExp(`^${Math.min(...ages)}(\\.0+)?–`));
    expect(bins.at(-1)!.label).toMatch(new RegExp(`–${Math.max(...ages)}(\\.0+)?$`));
    bins.slice(1).forEach((b, i) => expect(b.label.split("–")[0]).toBe(bins[i]!.label.split("–")[1]));
  });

  it("a shifted hour moves the current shares up the ranges", async () => {
    const res = await distribution("manager", `feature=age&${shiftedHour}`);
    expect(res.status).toBe(200);
    const bins = res.body.bins as Bin[];
    const mean = (side: "reference" | "current") => bins.reduce((s, b, i) => s + i * b[side]!, 0);
    expect(mean("current")).toBeGreaterThan(mean("reference") + 1);
    expect(res.body.current).toMatchObject({ rows: 200 });
  });

  it("a categorical feature: one bin per value, most common first; missing values are counted, not binned", async () => {
    const res = await distribution("mlEngineer", `feature=plan&${calmHour}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ feature: "plan", kind: "categorical", binning: "values", current: { rows: 300, sampled: 300, missing: 30 } });
    const bins = res.body.bins as Bin[];
    expect(bins.map((b) => b.label).sort()).toEqual(["basic", "plus", "pro"]);
    const sent = calm.filter((_, i) => i % 10 !== 0);
    for (const b of bins) {
      expect(b.reference).toBeCloseTo(training.filter((r) => r.plan === b.label).length / training.length, 12);
      expect(b.current).toBeCloseTo(sent.filter((r) => r.plan === b.label).length / sent.length, 12);
    }
    const weights = bins.map((b) => Math.max(b.reference!, b.current!));
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
  });

  it("a boolean feature compares JSON booleans with the CSV's true/false", async () => {
    const res = await distribution("manager", `feature=autopay&${shiftedHour}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: "boolean", binning: "values" });
    const share = (label: string, side: "reference" | "current") => (res.body.bins as Bin[]).find((b) => b.label === label)?.[side];
    expect(share("true", "reference")).toBeCloseTo(training.filter((r) => r.autopay).length / 400, 12);
    expect(share("true", "current")).toBeCloseTo(shifted.filter((r) => r.autopay).length / 200, 12);
    expect(share("false", "current")).toBeCloseTo(shifted.filter((r) => !r.autopay).length / 200, 12);
  });

  it("a range with no predictions: the reference's bins, current shares null", async () => {
    const res = await distribution("manager", "feature=age&from=2026-11-25T00:00:00Z&to=2026-11-26T00:00:00Z");
    expect(res.status).toBe(200);
    expect(res.body.current).toEqual({ rows: 0, sampled: 0, missing: 0 });
    const bins = res.body.bins as Bin[];
    expect(bins.length).toBeGreaterThan(1);
    expect(bins.every((b) => b.current === null)).toBe(true);
    expect(sum(bins, "reference")).toBeCloseTo(1, 10);
  });

  it("the whole day holds both batches", async () => {
    const res = await distribution("manager", "feature=plan&from=2026-11-26T00:00:00Z&to=2026-11-27T00:00:00Z");
    expect(res.body.current).toMatchObject({ rows: 500, sampled: 500, missing: 30 });
  });

  it("reads an even spread of at most the limit, and counts every row in the range", async () => {
    const [model] = await t.db.select({ id: registeredModels.id }).from(registeredModels).where(eq(registeredModels.name, modelName));
    const read = await readFeatureValues(t.db, model!.id, "age", new Date("2026-11-26T00:00:00Z"), new Date("2026-11-27T00:00:00Z"), 120);
    expect(read.rows).toBe(500);
    // every ceil(500 / 120) = 5th row: 100 of them, spread over both hours.
    expect(read.values).toHaveLength(100);
    expect(read.values.every((v) => typeof v === "number")).toBe(true);
    const none = await readFeatureValues(t.db, model!.id, "age", new Date("2026-11-20T00:00:00Z"), new Date("2026-11-21T00:00:00Z"));
    expect(none).toEqual({ rows: 0, values: [] });
  });

  it("an unknown feature (the target included) → 400 naming the known ones", async () => {
    for (const feature of ["tenure", "churned"]) {
      const res = await distribution("manager", `feature=${feature}&${calmHour}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toContain(`Unknown feature "${feature}"`);
      expect(res.body.error).toContain("age, plan, autopay");
      expect(res.body.features).toEqual(["age", "plan", "autopay"]);
    }
    const missing = await distribution("manager", calmHour);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toContain("feature");
    expect((await distribution("manager", "feature=age&from=2026-11-27T00:00:00Z&to=2026-11-26T00:00:00Z")).body.error).toContain("from must be before to");
  });

  it("a model with nothing in production → 404 that says why; an unknown model → 404", async () => {
    const unserved = await distribution("manager", `feature=age&${calmHour}`, `${modelName}-unserved`);
    expect(unserved.status).toBe(404);
    expect(unserved.body.error).toContain("version in production");
    expect((await distribution("manager", `feature=age&${calmHour}`, "no-such-model")).status).toBe(404);
  });

  it("needs projects.read: outsiders 403, no token 401", async () => {
    expect((await distribution("outsider", `feature=age&${calmHour}`)).status).toBe(403);
    expect((await distribution(null, `feature=age&${calmHour}`)).status).toBe(401);
  });
});
