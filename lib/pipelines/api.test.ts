// Integration: the pipelines HTTP API (/api/v1/projects/{slug}/pipelines/…) — real route handlers
// called with Request objects, real authorize() (API tokens and a session), real services and
// feasibility check against a registered cluster, real database (PGlite, then PostgreSQL in CI).
// Replaced, because they cannot exist outside a Next.js request: the session cookie reader, Next's
// revalidate cache and connection(). The pipeline scheduler does not run: runs stay as the API left them.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiTokens, pipelineRunSteps, pipelineRuns, pipelines } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { request } from "@/lib/actions/testing";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { generateApiToken } from "@/lib/auth/tokens";

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

const listRoute = await import("@/app/api/v1/projects/[slug]/pipelines/route");
const oneRoute = await import("@/app/api/v1/projects/[slug]/pipelines/[name]/route");
const runsRoute = await import("@/app/api/v1/projects/[slug]/pipelines/[name]/runs/route");
const runRoute = await import("@/app/api/v1/projects/[slug]/pipelines/[name]/runs/[id]/route");
const cancelRoute = await import("@/app/api/v1/projects/[slug]/pipelines/[name]/runs/[id]/cancel/route");
const retryRoute = await import("@/app/api/v1/projects/[slug]/pipelines/[name]/runs/[id]/retry/route");
const { addCluster } = await import("@/lib/clusters/testing");
const { createDataset, registerReference } = await import("@/lib/datasets/service");
const { createRegisteredModel } = await import("@/lib/models/service");
const { savePipeline, startPipelineRun } = await import("./service");
const { pipelineInputSchema } = await import("./schemas");

const TABLES = ["pipelines", "pipeline_triggers", "pipeline_runs", "pipeline_run_steps", "audit_log"];
type Who = "admin" | "dataScientist" | "mlEngineer" | "manager" | "ops" | "outsider" | "otherEngineer" | "nobody";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe(`pipelines API on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let other: Awaited<ReturnType<typeof createFixtureOrg>>;
  let slug: string;
  const tokens = {} as Record<Who, string>;
  const tag = Date.now().toString(36);
  const model = `churn-${tag}`;
  const otherModel = `elsewhere-${tag}`;
  /** A run of the other project's pipeline: its id must name nothing here. */
  let foreignRun: { id: string; pipeline: string };

  const template = { command: "python train.py --lr {lr} --epochs {epochs}", params: { lr: "0.01", epochs: "5" }, gpus: { count: 2, type: "h100" }, cluster: "any" };
  const body = (over: Record<string, unknown> = {}) => ({
    name: "nightly",
    description: "Retrain on every new subscribers version",
    model,
    dataset: "subscribers",
    template,
    promoteTo: ["staging"],
    triggers: { datasetVersion: true, schedule: "0 3 * * *" },
    ...over,
  });

  beforeAll(async () => {
    vi.spyOn(console, "error").mockImplementation((...a) => process.stderr.write(a.map(String).join(" ").slice(0, 600) + "\n"));
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    other = await createFixtureOrg(t.db);
    request.db = t.db;
    request.sessionId = null;
    slug = org.project.slug;
    const people = { ...org.users, otherEngineer: other.users.mlEngineer };
    for (const who of ["admin", "dataScientist", "mlEngineer", "manager", "ops", "outsider", "otherEngineer"] as const) {
      const { token, hash, displayPrefix } = generateApiToken();
      await t.db.insert(apiTokens).values({ userId: people[who].id, name: "test", tokenHash: hash, prefix: displayPrefix });
      tokens[who] = token;
    }
    const admin: Actor = await resolveActor(t.db, org.users.admin.claims);
    const ds: Actor = await resolveActor(t.db, org.users.dataScientist.claims);
    const otherDs: Actor = await resolveActor(t.db, other.users.dataScientist.claims);
    const otherMle: Actor = await resolveActor(t.db, other.users.mlEngineer.claims);
    // Clusters are org-wide: 8 × H100 on one, so 2 × H100 is feasible and 64 is not.
    await addCluster(t.db, admin, `gpu-${tag}`, [{ type: "h100", count: 8 }]);

    await createRegisteredModel(t.db, ds, org.project, { name: model });
    await createDataset(t.db, ds, org.project, { name: "subscribers", description: "" });
    await registerReference(t.db, ds, org.project, "subscribers", { uri: "s3://lake/subscribers-1.csv", sha256: "ab".repeat(32), rowCount: 1000 });
    await registerReference(t.db, ds, org.project, "subscribers", { uri: "s3://lake/subscribers-2.csv", sha256: "cd".repeat(32), rowCount: 1200 });

    // The other project: its own model, dataset and a pipeline with one run.
    await createRegisteredModel(t.db, otherDs, other.project, { name: otherModel });
    await createDataset(t.db, otherDs, other.project, { name: "subscribers", description: "" });
    await registerReference(t.db, otherDs, other.project, "subscribers", { uri: "s3://lake/other.csv", sha256: "ef".repeat(32) });
    const input = pipelineInputSchema.parse(body({ model: otherModel }));
    await savePipeline(t.db, otherMle, other.project, input);
    const run = await startPipelineRun(t.db, otherMle, other.project, "nightly", { params: {} }, "api");
    foreignRun = { id: run.id, pipeline: "nightly" };
  });
  afterAll(async () => {
    await t?.close();
  });

  // ---- helpers ----------------------------------------------------------------------------------

  const base = (s = slug) => `http://ferry.test/api/v1/projects/${s}/pipelines`;

  /** A Request as a client sends it: a token (or nothing: the session, if any), a JSON body or raw text. */
  function req(who: Who | "session", method: string, url: string, payload?: unknown, type = "application/json") {
    const headers: Record<string, string> = who === "nobody" || who === "session" ? {} : { authorization: `Bearer ${tokens[who]}` };
    if (payload !== undefined) headers["content-type"] = type;
    return new Request(url, { method, headers, body: payload === undefined ? undefined : typeof payload === "string" ? payload : JSON.stringify(payload) });
  }

  async function json(res: Response): Promise<{ status: number; body: Json }> {
    return { status: res.status, body: await res.json() };
  }

  const api = {
    list: (who: Who, s = slug) => listRoute.GET(req(who, "GET", base(s)), { params: Promise.resolve({ slug: s }) }).then(json),
    create: (who: Who | "session", payload: unknown, type?: string) =>
      listRoute.POST(req(who, "POST", base(), payload, type), { params: Promise.resolve({ slug }) }).then(json),
    get: (who: Who, name: string) => oneRoute.GET(req(who, "GET", `${base()}/${name}`), { params: Promise.resolve({ slug, name }) }).then(json),
    put: (who: Who, name: string, payload: unknown) => oneRoute.PUT(req(who, "PUT", `${base()}/${name}`, payload), { params: Promise.resolve({ slug, name }) }).then(json),
    del: (who: Who, name: string) => oneRoute.DELETE(req(who, "DELETE", `${base()}/${name}`), { params: Promise.resolve({ slug, name }) }).then(json),
    runs: (who: Who, name: string, query = "") => runsRoute.GET(req(who, "GET", `${base()}/${name}/runs${query}`), { params: Promise.resolve({ slug, name }) }).then(json),
    start: (who: Who, name: string, payload?: unknown, type?: string) =>
      runsRoute.POST(req(who, "POST", `${base()}/${name}/runs`, payload, type), { params: Promise.resolve({ slug, name }) }).then(json),
    run: (who: Who, name: string, id: string) => runRoute.GET(req(who, "GET", `${base()}/${name}/runs/${id}`), { params: Promise.resolve({ slug, name, id }) }).then(json),
    cancel: (who: Who, name: string, id: string) =>
      cancelRoute.POST(req(who, "POST", `${base()}/${name}/runs/${id}/cancel`), { params: Promise.resolve({ slug, name, id }) }).then(json),
    retry: (who: Who, name: string, id: string) =>
      retryRoute.POST(req(who, "POST", `${base()}/${name}/runs/${id}/retry`), { params: Promise.resolve({ slug, name, id }) }).then(json),
  };

  async function expectNothingWritten(fn: () => Promise<void>) {
    const before = await t.counts(...TABLES);
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
  }

  /** A pipeline of this project, made through the API. */
  async function created(name: string, over: Record<string, unknown> = {}) {
    const res = await api.create("mlEngineer", body({ name, ...over }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; name: string; url: string };
  }

  /** Marks a queued run failed at its train step, as the engine leaves a run whose training failed. */
  async function failAtTraining(runId: string) {
    const at = new Date();
    await t.db.update(pipelineRunSteps).set({ status: "succeeded", startedAt: at, finishedAt: at }).where(and(eq(pipelineRunSteps.pipelineRunId, runId), eq(pipelineRunSteps.kind, "validate")));
    await t.db
      .update(pipelineRunSteps)
      .set({ status: "failed", message: "Training run nightly-1 failed (exit code 1)", startedAt: at, finishedAt: at })
      .where(and(eq(pipelineRunSteps.pipelineRunId, runId), eq(pipelineRunSteps.kind, "train")));
    await t.db.update(pipelineRunSteps).set({ status: "skipped" }).where(and(eq(pipelineRunSteps.pipelineRunId, runId), eq(pipelineRunSteps.status, "pending")));
    await t.db.update(pipelineRuns).set({ status: "failed", startedAt: at, finishedAt: at, message: "Train: failed" }).where(eq(pipelineRuns.id, runId));
  }

  // ---- tests ------------------------------------------------------------------------------------

  it("an ML engineer creates a pipeline: 201 {id, name, url}; GET lists it and GET one gives the detail", async () => {
    const res = await api.create("mlEngineer", body());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: "nightly", url: `/projects/${slug}/pipelines/nightly` });

    const list = await api.list("manager");
    expect(list.status).toBe(200);
    expect(list.body.pipelines).toHaveLength(1);
    const summary = list.body.pipelines[0];
    expect(summary).toEqual({
      id: res.body.id,
      name: "nightly",
      description: "Retrain on every new subscribers version",
      url: `/projects/${slug}/pipelines/nightly`,
      model: { name: model, url: `/projects/${slug}/models/${model}` },
      dataset: { name: "subscribers", url: `/projects/${slug}/datasets/subscribers` },
      enabled: true,
      owner: { email: org.users.mlEngineer.email, name: "mlEngineer" },
      promoteTo: ["staging"],
      triggers: [
        { kind: "dataset_version", cron: null, lastFiredAt: null, nextAt: null },
        { kind: "schedule", cron: "0 3 * * *", lastFiredAt: null, nextAt: expect.stringMatching(/T03:00:00\.000Z$/) },
      ],
      lastRun: null,
      finished30d: 0,
      succeeded30d: 0,
      successRate: null,
      totalRuns: 0,
    });

    // Names are case-insensitive in the path, as in the pages.
    const one = await api.get("dataScientist", "NIGHTLY");
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      ...summary,
      template: { command: template.command, params: template.params, gpus: { count: 2, type: "h100" }, cluster: null, code: undefined, priority: 0 },
      artifactPath: "model",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(Object.keys(one.body.template).sort()).toEqual(["cluster", "command", "gpus", "params", "priority"]);
    // The other project's pipeline of the same name is not this one.
    expect(one.body.model.name).toBe(model);
  });

  it("a session works like a token; the pipeline's name is unique per project (409)", async () => {
    request.sessionId = org.users.admin.claims.sessionId;
    try {
      const res = await api.create("session", body({ name: "by-session", triggers: {} }));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      await expectNothingWritten(async () => {
        const dup = await api.create("session", body({ name: "By-Session" }));
        expect(dup.status).toBe(409);
        expect(dup.body.error).toBe('This project already has a pipeline named "By-Session".');
      });
    } finally {
      request.sessionId = null;
    }
  });

  it("refuses who may not: a data scientist creating (403), a manager starting a run (403), the outsider reading (403), no credentials (401)", async () => {
    await created("guarded");
    await expectNothingWritten(async () => {
      const ds = await api.create("dataScientist", body({ name: "by-ds" }));
      expect(ds.status).toBe(403);
      expect(ds.body.error).toEqual(expect.any(String));
      expect((await api.create("ops", body({ name: "by-ops" }))).status).toBe(403);
      expect((await api.create("manager", body({ name: "by-manager" }))).status).toBe(403);
      expect((await api.put("dataScientist", "guarded", body({ name: "guarded" }))).status).toBe(403);
      expect((await api.del("dataScientist", "guarded")).status).toBe(403);

      const manager = await api.start("manager", "guarded", { params: { lr: "0.1" } });
      expect(manager.status).toBe(403);
      expect((await api.start("ops", "guarded", {})).status).toBe(403);

      expect((await api.list("outsider")).status).toBe(403);
      expect((await api.get("otherEngineer", "guarded")).status).toBe(403);
      expect((await api.create("otherEngineer", body({ name: "intruder" }))).status).toBe(403);
      const anonymous = await api.list("nobody");
      expect(anonymous.status).toBe(401);
    });
    // The data scientist may start runs: pipelines.run.
    const started = await api.start("dataScientist", "guarded", {});
    expect(started.status, JSON.stringify(started.body)).toBe(201);
  });

  it("a bad cron schedule is a 400 naming the cron problem, and nothing is stored", async () => {
    await expectNothingWritten(async () => {
      const res = await api.create("mlEngineer", body({ name: "bad-cron", triggers: { schedule: "every night at 3" } }));
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^Invalid request — triggers\.schedule: "every night at 3" is not a cron expression/);
      const fields = await api.create("mlEngineer", body({ name: "bad-cron", triggers: { schedule: "0 3 * *" } }));
      expect(fields.status).toBe(400);
      expect(fields.body.error).toContain("it has 4 fields, a schedule needs 5");
      const range = await api.create("mlEngineer", body({ name: "bad-cron", triggers: { schedule: "0 25 * * *" } }));
      expect(range.status).toBe(400);
      expect(range.body.error).toContain('"0 25 * * *" is not a cron expression');
    });
  });

  it("a template asking for GPUs no cluster has is a 400 saying what there is, and nothing is stored", async () => {
    await expectNothingWritten(async () => {
      const res = await api.create("mlEngineer", body({ name: "too-big", template: { ...template, gpus: { count: 64, type: "h100" } } }));
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("No registered cluster has 64 × H100: the most on one cluster is 8 × H100 " + `(gpu-${tag}).`);
      const type = await api.create("mlEngineer", body({ name: "too-big", template: { ...template, gpus: { count: 1, type: "a100" } } }));
      expect(type.status).toBe(400);
      expect(type.body.error).toBe("No registered cluster has A100 GPUs.");
      const cluster = await api.create("mlEngineer", body({ name: "too-big", template: { ...template, cluster: "nowhere" } }));
      expect(cluster.status).toBe(400);
      expect(cluster.body.error).toMatch(/^No cluster is named "nowhere"/);
      const schema = await api.create("mlEngineer", body({ name: "too-big", template: { ...template, gpus: { count: 65, type: "h100" } } }));
      expect(schema.status).toBe(400);
      expect(schema.body.error).toBe("Invalid request — template.gpus.count: At most 64 GPUs per run.");
    });
  });

  it("a model or dataset of another project is refused like a missing one (400), and nothing is stored", async () => {
    await expectNothingWritten(async () => {
      const res = await api.create("mlEngineer", body({ name: "reach-out", model: otherModel }));
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(
        `There is no model "${otherModel}" in project ${org.project.name}: a pipeline can only train, register and request promotion for a model of its own project. Register the model here first.`,
      );
      const missing = await api.create("mlEngineer", body({ name: "reach-out", model: "no-such-model" }));
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatch(/^There is no model "no-such-model" in project/);
      const dataset = await api.create("mlEngineer", body({ name: "reach-out", dataset: "elsewhere" }));
      expect(dataset.status).toBe(400);
      expect(dataset.body.error).toBe(`There is no dataset "elsewhere" in project ${org.project.name}. Create it under Datasets first.`);
      // PUT too: an existing pipeline cannot be pointed at the other project's model.
      const put = await api.put("mlEngineer", "nightly", body({ model: otherModel }));
      expect(put.status).toBe(400);
    });
    expect((await api.get("manager", "nightly")).body.model.name).toBe(model);
  });

  it("an unknown pipeline is a 404 on every route", async () => {
    const id = crypto.randomUUID();
    await expectNothingWritten(async () => {
      const got = await api.get("manager", "nope");
      expect(got).toEqual({ status: 404, body: { error: 'This project has no pipeline named "nope".' } });
      expect((await api.put("mlEngineer", "nope", body({ name: "nope" }))).status).toBe(404);
      expect((await api.del("mlEngineer", "nope")).status).toBe(404);
      expect((await api.runs("manager", "nope")).status).toBe(404);
      expect((await api.start("dataScientist", "nope", {})).status).toBe(404);
      expect((await api.run("manager", "nope", id)).status).toBe(404);
      expect((await api.cancel("dataScientist", "nope", id)).status).toBe(404);
      expect((await api.retry("dataScientist", "nope", id)).status).toBe(404);
      // The other project's pipeline, by its name, does not exist here either (this project's "nightly" aside).
      expect((await api.runs("manager", "elsewhere")).status).toBe(404);
    });
  });

  it("another project's pipeline run id is a 404 here, whatever the route; a run id that is no uuid too", async () => {
    await expectNothingWritten(async () => {
      for (const id of [foreignRun.id, crypto.randomUUID(), "not-a-uuid", "../../x"]) {
        const got = await api.run("manager", "nightly", id);
        expect(got.status, id).toBe(404);
        expect(got.body.error).toBe("This pipeline has no such run.");
        const cancel = await api.cancel("mlEngineer", "nightly", id);
        expect(cancel.status, id).toBe(404);
        expect(cancel.body.error).toMatch(/no such run/);
        expect((await api.retry("mlEngineer", "nightly", id)).status, id).toBe(404);
      }
    });
    // The foreign run is untouched.
    const [run] = await t.db.select({ status: pipelineRuns.status }).from(pipelineRuns).where(eq(pipelineRuns.id, foreignRun.id));
    expect(run?.status).toBe("queued");
  });

  it("POST runs with params starts a run: 201 {id, status: queued}; it is stored with those params and listed", async () => {
    await created("manual", { triggers: {} });
    const res = await api.start("dataScientist", "manual", { params: { lr: 0.05, epochs: "10" } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), number: 1, status: "queued", url: `/projects/${slug}/pipelines/manual/runs/${res.body.id}` });

    const [stored] = await t.db.select().from(pipelineRuns).where(eq(pipelineRuns.id, res.body.id));
    expect(stored).toMatchObject({ status: "queued", trigger: "api", params: { lr: "0.05", epochs: "10" }, actorId: org.users.dataScientist.id, datasetVersionId: null });
    expect(stored!.triggerDetail).toBe(`Started by ${org.users.dataScientist.email} through the API with lr=0.05, epochs=10`);
    const steps = await t.db.select().from(pipelineRunSteps).where(eq(pipelineRunSteps.pipelineRunId, res.body.id));
    expect(steps.map((s) => [s.position, s.kind, s.status]).sort()).toEqual([
      [0, "validate", "pending"],
      [1, "train", "pending"],
      [2, "evaluate", "pending"],
      [3, "register", "pending"],
      [4, "request", "pending"],
    ]);

    // On a chosen dataset version; and a bare POST (no body at all) starts it as it is.
    const v1 = await api.start("mlEngineer", "manual", { datasetVersion: 1 });
    expect(v1.status, JSON.stringify(v1.body)).toBe(201);
    const bare = await runsRoute.POST(new Request(`${base()}/manual/runs`, { method: "POST", headers: { authorization: `Bearer ${tokens.mlEngineer}` } }), {
      params: Promise.resolve({ slug, name: "manual" }),
    });
    expect(bare.status).toBe(201);
    expect(await bare.json()).toMatchObject({ number: 3, status: "queued" });

    const detail = await api.run("manager", "manual", v1.body.id);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ number: 2, status: "queued", trigger: "api", params: {}, datasetVersion: { dataset: "subscribers", version: 1 }, live: true });
    expect((await api.run("manager", "manual", res.body.id)).body.params).toEqual({ lr: "0.05", epochs: "10" });

    const page = await api.runs("manager", "manual", "?limit=2");
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(3);
    expect(page.body.runs.map((r: { number: number }) => r.number)).toEqual([3, 2]);
    expect(page.body.runs[0]).toMatchObject({ status: "queued", trigger: "api", currentStep: { kind: "validate", label: "Validate data", status: "pending" }, url: expect.stringContaining("/pipelines/manual/runs/") });
    expect((await api.runs("manager", "manual", "?limit=2&offset=2")).body.runs.map((r: { number: number }) => r.number)).toEqual([1]);
    expect((await api.list("manager")).body.pipelines.find((p: { name: string }) => p.name === "manual")).toMatchObject({ totalRuns: 3, lastRun: { number: 3, status: "queued" } });
  });

  it("refuses a start whose overrides or dataset version do not make a valid launch (400), storing nothing", async () => {
    await expectNothingWritten(async () => {
      const empty = await api.start("dataScientist", "manual", { params: { lr: "" } });
      expect(empty.status).toBe(400);
      expect(empty.body.error).toBe('Give the parameter "lr" a value: the command uses {lr}.');
      const version = await api.start("dataScientist", "manual", { datasetVersion: 99 });
      expect(version.status).toBe(400);
      expect(version.body.error).toBe("The pipeline's dataset has no version 99.");
      const shape = await api.start("dataScientist", "manual", { params: { lr: { nested: 1 } } });
      expect(shape.status).toBe(400);
      expect(shape.body.error).toMatch(/^Invalid request — params\.lr: /);
      const unknown = await api.start("dataScientist", "manual", { parameters: { lr: "1" } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatch(/^Invalid request — .*parameters/);
      expect((await api.runs("manager", "manual", "?limit=0")).status).toBe(400);
      expect((await api.runs("manager", "manual", "?offset=-1")).status).toBe(400);
    });
  });

  it("malformed JSON is a 400 (415 without a JSON content type), and nothing is stored", async () => {
    await expectNothingWritten(async () => {
      const res = await api.create("mlEngineer", '{"name": "broken", "model": ');
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^The request body is not valid JSON\. Send an object like \{"name": "nightly-churn"/);
      expect((await api.create("mlEngineer", "[1, 2]")).status).toBe(400);
      expect((await api.start("dataScientist", "manual", "{params: }")).status).toBe(400);
      expect((await api.put("mlEngineer", "manual", "nope")).status).toBe(400);
      const type = await api.create("mlEngineer", JSON.stringify(body({ name: "plain" })), "text/plain");
      expect(type.status).toBe(415);
      const extra = await api.create("mlEngineer", { ...body({ name: "extra" }), owner: "someone-else" });
      expect(extra.status).toBe(400);
      expect(extra.body.error).toContain("owner");
    });
  });

  it("cancels a queued run ({id, status: cancelled}; again: 409) and retries a failed run's step ({id, status: queued, step, attempt})", async () => {
    const { body: run } = await api.start("dataScientist", "manual", {});
    const cancel = await api.cancel("dataScientist", "manual", run.id);
    expect(cancel).toEqual({ status: 200, body: { id: run.id, status: "cancelled" } });
    const again = await api.cancel("mlEngineer", "manual", run.id);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/has already ended \(cancelled\)/);
    expect((await api.retry("mlEngineer", "manual", run.id)).status).toBe(409);
    expect((await api.cancel("manager", "manual", run.id)).status).toBe(403);

    const { body: failing } = await api.start("dataScientist", "manual", {});
    await failAtTraining(failing.id);
    expect((await api.retry("manager", "manual", failing.id)).status).toBe(403);
    const retry = await api.retry("dataScientist", "manual", failing.id);
    expect(retry).toEqual({ status: 200, body: { id: failing.id, status: "queued", step: "train", attempt: 2 } });
    const detail = (await api.run("manager", "manual", failing.id)).body;
    expect(detail.status).toBe("queued");
    expect(detail.steps.find((s: { kind: string }) => s.kind === "train")).toMatchObject({ status: "pending", attempt: 2, history: [{ attempt: 1, status: "failed" }] });
    // A queued run is not failed: a second retry is refused.
    expect((await api.retry("dataScientist", "manual", failing.id)).status).toBe(409);
  });

  it("PUT replaces a pipeline (renamed, new triggers, new owner); DELETE removes it, but not while a run is in progress (409)", async () => {
    const { id } = await created("weekly", { triggers: { schedule: "0 4 * * 1" } });
    const put = await api.put("admin", "weekly", body({ name: "weekly-v2", description: "", promoteTo: ["production", "staging"], triggers: { driftAlert: true }, enabled: false }));
    expect(put).toEqual({ status: 200, body: { id, name: "weekly-v2", url: `/projects/${slug}/pipelines/weekly-v2` } });
    expect((await api.get("manager", "weekly")).status).toBe(404);
    const got = (await api.get("manager", "weekly-v2")).body;
    expect(got).toMatchObject({
      id,
      name: "weekly-v2",
      description: "",
      enabled: false,
      owner: { email: org.users.admin.email },
      promoteTo: ["staging", "production"],
      triggers: [{ kind: "drift_alert", cron: null, nextAt: null }],
    });

    const { body: run } = await api.start("mlEngineer", "weekly-v2", {});
    await expectNothingWritten(async () => {
      const busy = await api.del("mlEngineer", "weekly-v2");
      expect(busy.status).toBe(409);
      expect(busy.body.error).toBe("Pipeline weekly-v2 has a run in progress: cancel it before deleting the pipeline.");
    });
    expect((await api.cancel("mlEngineer", "weekly-v2", run.id)).status).toBe(200);
    const del = await api.del("mlEngineer", "WEEKLY-V2");
    expect(del).toEqual({ status: 200, body: { name: "weekly-v2", deleted: true } });
    expect((await api.get("manager", "weekly-v2")).status).toBe(404);
    expect(await t.db.select().from(pipelines).where(eq(pipelines.id, id))).toEqual([]);
    expect(await t.db.select().from(pipelineRuns).where(eq(pipelineRuns.id, run.id))).toEqual([]);
  });
});
