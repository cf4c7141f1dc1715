// Integration: Ferry's MLflow-compatible tracking API over real HTTP, driven by the npm package
// `mlflow` (an MLflow REST client written by someone else) and by raw HTTP for what it lacks —
// real route handlers, real authorize(), real artifact files, real database (PGlite, then PostgreSQL).
// Replaced, because they cannot exist outside a Next.js request: the session cookie reader and
// connection(); and Next's router by the small HTTP front in ./testing-server.ts.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import MLflow from "mlflow";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiTokens, runs } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { request } from "@/lib/actions/testing";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import { generateApiToken } from "@/lib/auth/tokens";
import { startTrackingServer } from "./testing-server";

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

const { createRunWithToken } = await import("./service");
const { registerUpload, createDataset } = await import("@/lib/datasets/service");

const TABLES = ["runs", "run_params", "run_tags", "metric_series", "metric_points", "run_inputs"];
type Who = "admin" | "dataScientist" | "mlEngineer" | "manager" | "ops" | "outsider";

/** The `mlflow` package throws Error("Error: {status, statusText, data}"); this reads it back. */
async function failure(p: Promise<unknown>): Promise<{ status: number; data: { error_code: string; message: string } }> {
  try {
    await p;
  } catch (e) {
    return JSON.parse(String((e as Error).message).replace(/^Error: /, ""));
  }
  throw new Error("expected the request to fail");
}

describe(`MLflow tracking API over HTTP on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let server: { url: string; close: () => Promise<void> };
  let artifacts: string;
  const tokens = {} as Record<Who, string>;

  beforeAll(async () => {
    vi.spyOn(console, "log").mockImplementation(() => {}); // the mlflow package logs every request body
    vi.spyOn(console, "error").mockImplementation((...a) => process.stderr.write(a.map((x) => String((x as { cause?: unknown })?.cause ?? x)).join(" ").slice(0, 600) + "\n"));
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    request.db = t.db;
    request.sessionId = null;
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-run-artifacts-"));
    setArtifactRootForTests(artifacts);
    for (const who of ["admin", "dataScientist", "mlEngineer", "manager", "ops", "outsider"] as const) {
      const { token, hash, displayPrefix } = generateApiToken();
      await t.db.insert(apiTokens).values({ userId: org.users[who].id, name: "test", tokenHash: hash, prefix: displayPrefix });
      tokens[who] = token;
    }
    server = await startTrackingServer();
  });
  afterAll(async () => {
    await server?.close();
    setArtifactRootForTests(null);
    fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  const client = (who: Who | null, headers: Record<string, string> = {}) =>
    new MLflow({ endpoint: server.url, headers: who ? { Authorization: `Bearer ${tokens[who]}`, ...headers } : headers });

  /** Raw JSON call, for endpoints and headers the npm client does not cover. */
  async function api(method: "GET" | "POST", endpoint: string, body: Record<string, unknown> | null, auth: string | null) {
    const url = new URL(`${server.url}/api/2.0/mlflow/${endpoint}`);
    if (method === "GET" && body) for (const [k, v] of Object.entries(body)) url.searchParams.set(k, String(v));
    const res = await fetch(url, {
      method,
      headers: { ...(auth ? { authorization: auth } : {}), ...(method === "POST" ? { "content-type": "application/json" } : {}) },
      body: method === "POST" ? JSON.stringify(body ?? {}) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error_code?: string; message?: string } };
  }
  const bearer = (who: Who) => `Bearer ${tokens[who]}`;

  async function newRun(who: Who = "dataScientist", extra: Record<string, unknown> = {}): Promise<string> {
    const res = await api("POST", "runs/create", { experiment_id: org.project.id, ...extra }, bearer(who));
    expect(res.status).toBe(200);
    return (res.body.run as { info: { run_id: string } }).info.run_id;
  }

  async function unchanged(fn: () => Promise<void>) {
    const before = await t.counts(...TABLES);
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
  }

  it("the mlflow client creates an experiment and a run, logs a batch, reads the history, searches by metric and finishes the run", async () => {
    const admin = client("admin");
    const { experiment_id } = (await admin.Experiments.create({ name: `exp-${crypto.randomBytes(3).toString("hex")}` } as never)) as { experiment_id: string };
    const { experiment } = (await admin.Experiments.get({ experiment_id })) as { experiment: { name: string; lifecycle_stage: string } };
    expect(experiment.lifecycle_stage).toBe("active");
    // Only admins create experiments (projects).
    const denied = await failure(client("dataScientist").Experiments.create({ name: "not-allowed" } as never));
    expect(denied.status).toBe(403);
    expect(denied.data.error_code).toBe("PERMISSION_DENIED");

    const ds = client("dataScientist");
    const created = (await ds.Runs.create({ experiment_id: org.project.id, start_time: 1_700_000_000_000, tags: [{ key: "team", value: "growth" }] } as never)) as {
      run: { info: { run_id: string; status: string; artifact_uri: string; experiment_id: string } };
    };
    const runId = created.run.info.run_id;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(created.run.info).toMatchObject({ status: "RUNNING", experiment_id: org.project.id, artifact_uri: `mlflow-artifacts:/${org.project.id}/${runId}/artifacts` });

    const metrics = Array.from({ length: 10 }, (_, i) => [
      { key: "accuracy", value: 0.5 + i * 0.05, timestamp: 1_700_000_000_000 + i, step: i },
      { key: "loss", value: 1 / (i + 1), timestamp: 1_700_000_000_000 + i, step: i },
    ]).flat();
    await ds.Runs.logBatch({ run_id: runId, metrics, params: [{ key: "lr", value: "0.1" }], tags: [{ key: "stage", value: "dev" }] });

    const history = (await ds.Metrics.getHistory({ run_id: runId, metric_key: "accuracy" })) as { metrics: { value: number; step: number }[] };
    expect(history.metrics.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(history.metrics.at(-1)!.value).toBeCloseTo(0.95, 12);

    const other = await newRun("dataScientist");
    await api("POST", "runs/log-batch", { run_id: other, metrics: [{ key: "accuracy", value: 0.6, timestamp: 1, step: 0 }] }, bearer("dataScientist"));
    const found = (await ds.Runs.search({ experiment_ids: [org.project.id], filter: "metrics.accuracy > 0.9" })) as { runs: { info: { run_id: string } }[] };
    expect(found.runs.map((r) => r.info.run_id)).toEqual([runId]);

    await ds.Runs.update({ run_id: runId, status: "FINISHED", end_time: 1_700_000_100_000 } as never);
    const { run } = (await ds.Runs.get({ run_id: runId })) as {
      run: { info: { status: string; end_time: number }; data: { metrics: { key: string; value: number }[]; params: unknown[]; tags: { key: string; value: string }[] } };
    };
    expect(run.info).toMatchObject({ status: "FINISHED", end_time: 1_700_000_100_000 });
    expect(run.data.metrics.find((m) => m.key === "accuracy")!.value).toBeCloseTo(0.95, 12);
    expect(run.data.params).toEqual([{ key: "lr", value: "0.1" }]);
    expect(run.data.tags).toEqual(expect.arrayContaining([{ key: "stage", value: "dev" }, { key: "team", value: "growth" }]));
  });

  it("stores and answers NaN and ±Infinity as such, and the latest value follows MLflow's ordering", async () => {
    const runId = await newRun();
    const res = await api(
      "POST",
      "runs/log-batch",
      {
        run_id: runId,
        metrics: [
          { key: "m", value: "NaN", timestamp: 1, step: 0 },
          { key: "m", value: "Infinity", timestamp: 2, step: 1 },
          { key: "m", value: "-Infinity", timestamp: 3, step: 2 },
          { key: "m", value: 4.5, timestamp: 4, step: 3 },
        ],
      },
      bearer("dataScientist"),
    );
    expect(res.status).toBe(200);
    const history = await api("GET", "metrics/get-history", { run_id: runId, metric_key: "m" }, bearer("dataScientist"));
    expect((history.body.metrics as { value: unknown }[]).map((m) => m.value)).toEqual(["NaN", "Infinity", "-Infinity", 4.5]);
    // An older step logged later does not become the latest value.
    await api("POST", "runs/log-metric", { run_id: runId, key: "m", value: "NaN", timestamp: 9, step: 1 }, bearer("dataScientist"));
    const got = await api("GET", "runs/get", { run_id: runId }, bearer("dataScientist"));
    const latest = (got.body.run as { data: { metrics: { key: string; value: unknown; step: number }[] } }).data.metrics.find((m) => m.key === "m");
    expect(latest).toMatchObject({ value: 4.5, step: 3 });
  });

  it("a retried batch adds no points; over-limit and invalid batches are refused whole and write nothing", async () => {
    const runId = await newRun();
    const batch = {
      run_id: runId,
      metrics: Array.from({ length: 999 }, (_, i) => ({ key: `k${i % 4}`, value: Math.sin(i), timestamp: 1_700_000_000_000 + i, step: i })),
      params: [{ key: "p", value: "1" }],
    };
    expect((await api("POST", "runs/log-batch", batch, bearer("dataScientist"))).status).toBe(200);
    await unchanged(async () => {
      expect((await api("POST", "runs/log-batch", batch, bearer("dataScientist"))).status).toBe(200);
    });
    const series = await t.db.execute(`select sum(point_count)::int as n from metric_series where run_id = '${runId}'`);
    expect(Number((series as unknown as { rows: { n: number }[] }).rows[0]!.n)).toBe(999);

    const tooMany = {
      run_id: runId,
      metrics: Array.from({ length: 1001 }, (_, i) => ({ key: "big", value: i, timestamp: 1, step: i })),
    };
    await unchanged(async () => {
      const res = await api("POST", "runs/log-batch", tooMany, bearer("dataScientist"));
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe("INVALID_PARAMETER_VALUE");
      expect(res.body.message).toMatch(/at most 1000 metrics\. Got 1001/);
    });
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["101 params", { params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: "v" })) }, /at most 100 params/],
      ["101 tags", { tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: "v" })) }, /at most 100 tags/],
      ["1,001 entities", { metrics: batch.metrics, params: [{ key: "q", value: "1" }, { key: "r", value: "1" }] }, /at most 1000 total/],
      ["a bad last metric", { metrics: [...batch.metrics.slice(0, 5).map((m) => ({ ...m, key: "fresh" })), { key: "bad$", value: 1, timestamp: 1, step: 0 }] }, /Invalid metric name/],
      ["a changed param", { metrics: [{ key: "fresh", value: 1, timestamp: 1, step: 0 }], params: [{ key: "p", value: "2" }] }, /Changing param values is not allowed/],
      ["duplicate param keys", { params: [{ key: "d", value: "1" }, { key: "d", value: "2" }] }, /Duplicate parameter keys/],
      ["a key of 251 characters", { metrics: [{ key: "k".repeat(251), value: 1, timestamp: 1, step: 0 }] }, /exceeded length limit of 250/],
      ["a param value of 6,001 characters", { params: [{ key: "long", value: "v".repeat(6001) }] }, /exceeded length limit of 6000/],
      ["a tag value of 5,001 characters", { tags: [{ key: "long", value: "v".repeat(5001) }] }, /exceeded length limit of 5000/],
      ["a name with ..", { metrics: [{ key: "../escape", value: 1, timestamp: 1, step: 0 }] }, /must not resolve to other names/],
      ["an absolute name", { params: [{ key: "/abs", value: "1" }] }, /must not resolve to other names/],
      ["a double slash", { tags: [{ key: "a//b", value: "1" }] }, /must not resolve to other names/],
      ["a non-numeric value", { metrics: [{ key: "x", value: "high", timestamp: 1, step: 0 }] }, /valid double/],
      ["a missing timestamp", { metrics: [{ key: "x", value: 1, step: 0 }] }, /timestamp/],
    ];
    for (const [what, body, message] of cases) {
      await unchanged(async () => {
        const res = await api("POST", "runs/log-batch", { run_id: runId, ...body }, bearer("dataScientist"));
        expect(res.status, what).toBe(400);
        expect(res.body.error_code, what).toBe("INVALID_PARAMETER_VALUE");
        expect(res.body.message, what).toMatch(message);
      });
    }
    // The same param value again is fine.
    expect((await api("POST", "runs/log-parameter", { run_id: runId, key: "p", value: "1" }, bearer("dataScientist"))).status).toBe(200);
  });

  it("answers 401 without credentials, 404 for unknown runs, 403 PERMISSION_DENIED across projects and roles; Basic credentials work", async () => {
    const runId = await newRun();
    const anon = await api("POST", "runs/log-batch", { run_id: runId, metrics: [] }, null);
    expect(anon.status).toBe(401);
    expect(anon.body.error_code).toBe("UNAUTHENTICATED");
    const unknown = await api("GET", "runs/get", { run_id: "0".repeat(32) }, bearer("dataScientist"));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    await unchanged(async () => {
      for (const who of ["outsider", "manager", "ops"] as const) {
        const res = await api("POST", "runs/log-metric", { run_id: runId, key: "x", value: 1, timestamp: 1 }, bearer(who));
        expect(res.status, who).toBe(403);
        expect(res.body.error_code, who).toBe("PERMISSION_DENIED");
      }
      expect((await api("POST", "runs/create", { experiment_id: org.project.id }, bearer("outsider"))).body.error_code).toBe("PERMISSION_DENIED");
    });
    expect((await api("GET", "runs/get", { run_id: runId }, bearer("manager"))).status).toBe(200);
    expect((await api("GET", "runs/get", { run_id: runId }, bearer("outsider"))).status).toBe(403);

    const basic = (email: string, token: string) => `Basic ${Buffer.from(`${email}:${token}`).toString("base64")}`;
    const ok = await api("POST", "runs/set-tag", { run_id: runId, key: "via", value: "basic" }, basic(org.users.dataScientist.email, tokens.dataScientist));
    expect(ok.status).toBe(200);
    const wrongUser = await api("GET", "runs/get", { run_id: runId }, basic(org.users.mlEngineer.email, tokens.dataScientist));
    expect(wrongUser.status).toBe(401);
    expect(wrongUser.body.error_code).toBe("UNAUTHENTICATED");
  });

  it("a run-scoped token reads and writes only its own run and stops working when the run ends", async () => {
    const actor = { ...org.users.dataScientist, name: "Dana", isAdmin: false, orgRole: "member" as const, mustChangePassword: false, sessionId: null, tokenId: null };
    const { id: ownRun, token } = await createRunWithToken(t.db, actor, org.project, { runName: "launched" });
    const otherRun = await newRun();
    const runAuth = `Bearer ${token}`;
    expect((await api("POST", "runs/log-metric", { run_id: ownRun, key: "acc", value: 0.7, timestamp: 1, step: 0 }, runAuth)).status).toBe(200);
    expect((await api("GET", "runs/get", { run_id: ownRun }, runAuth)).status).toBe(200);
    await unchanged(async () => {
      const res = await api("POST", "runs/log-metric", { run_id: otherRun, key: "acc", value: 0.7, timestamp: 1, step: 0 }, runAuth);
      expect(res.status).toBe(403);
      expect(res.body.error_code).toBe("PERMISSION_DENIED");
      expect((await api("GET", "runs/get", { run_id: otherRun }, runAuth)).status).toBe(403);
      expect((await api("POST", "runs/create", { experiment_id: org.project.id }, runAuth)).status).toBe(403);
      expect((await api("POST", "runs/search", { experiment_ids: [org.project.id] }, runAuth)).status).toBe(403);
    });
    expect((await api("POST", "runs/update", { run_id: ownRun, status: "FINISHED" }, runAuth)).status).toBe(200);
    const after = await api("POST", "runs/log-metric", { run_id: ownRun, key: "acc", value: 0.8, timestamp: 2, step: 1 }, runAuth);
    expect(after.status).toBe(401);
    expect(after.body.message).toMatch(/run has ended/);
  });

  it("searches with metric, param, tag and attribute filters, orders and pages", async () => {
    const project = (await t.db.insert((await import("@/db/schema")).projects).values({ slug: `search-${crypto.randomBytes(3).toString("hex")}`, name: "Search" }).returning())[0]!;
    await t.db.insert((await import("@/db/schema")).memberships).values({ projectId: project.id, userId: org.users.dataScientist.id, persona: "data_scientist" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api("POST", "runs/create", { experiment_id: project.id, run_name: `r${i}`, start_time: 1000 + i }, bearer("dataScientist"));
      const id = (res.body.run as { info: { run_id: string } }).info.run_id;
      ids.push(id);
      await api(
        "POST",
        "runs/log-batch",
        {
          run_id: id,
          metrics: [{ key: "accuracy", value: 0.6 + i * 0.1, timestamp: 1, step: 0 }],
          params: [{ key: "lr", value: i % 2 ? "0.1" : "0.01" }],
          tags: [{ key: "team", value: i < 3 ? "a" : "b" }],
        },
        bearer("dataScientist"),
      );
    }
    await api("POST", "runs/update", { run_id: ids[4], status: "FINISHED" }, bearer("dataScientist"));
    const search = async (body: Record<string, unknown>) => {
      const res = await api("POST", "runs/search", { experiment_ids: [project.id], ...body }, bearer("dataScientist"));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return { names: ((res.body.runs ?? []) as { info: { run_name: string } }[]).map((r) => r.info.run_name), next: res.body.next_page_token as string | undefined };
    };
    expect((await search({ filter: "metrics.accuracy >= 0.8 AND params.lr = '0.1'", order_by: ["metrics.accuracy DESC"] })).names).toEqual(["r3"]);
    expect((await search({ filter: "metrics.accuracy > 0.75", order_by: ["metrics.accuracy ASC"] })).names).toEqual(["r2", "r3", "r4"]);
    expect((await search({ filter: "tags.team = 'b'" })).names).toEqual(["r4", "r3"]);
    expect((await search({ filter: "attributes.status = 'FINISHED'" })).names).toEqual(["r4"]);
    expect((await search({ filter: "attributes.run_name = 'r1'" })).names).toEqual(["r1"]);
    expect((await search({ filter: "attributes.start_time > 1002" })).names).toEqual(["r4", "r3"]);
    expect((await search({ order_by: ["params.lr ASC", "attributes.run_name DESC"] })).names).toEqual(["r4", "r2", "r0", "r3", "r1"]);
    const page1 = await search({ max_results: 2, order_by: ["attributes.start_time ASC"] });
    const page2 = await search({ max_results: 2, order_by: ["attributes.start_time ASC"], page_token: page1.next });
    const page3 = await search({ max_results: 2, order_by: ["attributes.start_time ASC"], page_token: page2.next });
    expect([page1.names, page2.names, page3.names]).toEqual([["r0", "r1"], ["r2", "r3"], ["r4"]]);
    expect(page3.next).toBeUndefined();
    const bad = await api("POST", "runs/search", { experiment_ids: [project.id], filter: "metrics.accuracy > 'high'" }, bearer("dataScientist"));
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    const or = await api("POST", "runs/search", { experiment_ids: [project.id], filter: "metrics.a > 1 OR metrics.b > 1" }, bearer("dataScientist"));
    expect(or.body.message).toMatch(/OR is not supported/);
  });

  it("links log-inputs to a Ferry dataset version by its URI or by a digest prefix of at least 8 characters", async () => {
    const actor = { ...org.users.dataScientist, name: "Dana", isAdmin: false, orgRole: "member" as const, mustChangePassword: false, sessionId: null, tokenId: null };
    await createDataset(t.db, actor, org.project, { name: "churn", description: "" });
    const csv = "a,b\n1,2\n3,4\n";
    const version = await registerUpload(t.db, actor, org.project, "churn", { filename: "c.csv", body: (async function* () { yield Buffer.from(csv); })() } as never);
    const sha = crypto.createHash("sha256").update(csv).digest("hex");
    const runId = await newRun();
    const input = (source: string, digest: string, name = "churn") => ({ tags: [{ key: "mlflow.data.context", value: "training" }], dataset: { name, digest, source_type: "ferry", source } });
    const res = await api(
      "POST",
      "runs/log-inputs",
      {
        run_id: runId,
        datasets: [
          input(`ferry://${org.project.slug}/datasets/churn/versions/1`, "abc", "by-uri"),
          input("/tmp/local.csv", sha.slice(0, 8), "by-digest"),
          input("/tmp/local.csv", sha.slice(0, 6), "too-short"),
        ],
      },
      bearer("dataScientist"),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const rows = (await t.db.execute(`select name, dataset_version_id from run_inputs where run_id = '${runId}' order by name`)) as unknown as {
      rows: { name: string; dataset_version_id: string | null }[];
    };
    expect(rows.rows).toEqual([
      { name: "by-digest", dataset_version_id: version.id },
      { name: "by-uri", dataset_version_id: version.id },
      { name: "too-short", dataset_version_id: null },
    ]);
    const got = await api("GET", "runs/get", { run_id: runId }, bearer("dataScientist"));
    expect((got.body.run as { inputs: { dataset_inputs: unknown[] } }).inputs.dataset_inputs).toHaveLength(3);
    const tooLong = await api("POST", "runs/log-inputs", { run_id: runId, datasets: [input("x", "f".repeat(37))] }, bearer("dataScientist"));
    expect(tooLong.status).toBe(400);
  });

  describe("artifacts", () => {
    /** Raw request: the path goes on the wire exactly as written (no client-side normalisation). */
    function raw(method: string, rawPath: string, auth: string | null, body?: Buffer): Promise<{ status: number; body: Buffer }> {
      const { hostname, port } = new URL(server.url);
      return new Promise((resolve, reject) => {
        const req = http.request({ hostname, port, method, path: rawPath, headers: auth ? { authorization: auth } : {} }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        });
        req.on("error", reject);
        req.end(body);
      });
    }

    function allFiles(): string[] {
      return (fs.readdirSync(artifacts, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(artifacts, p)).isFile()).sort();
    }

    it("uploads, lists and downloads byte-exact through the artifact proxy and the tracking API", async () => {
      const runId = await newRun();
      const base = `/api/2.0/mlflow-artifacts/artifacts/${org.project.id}/${runId}/artifacts`;
      const bytes = crypto.randomBytes(300_000);
      const auth = bearer("dataScientist");
      expect((await raw("PUT", `${base}/model/weights.bin`, auth, bytes)).status).toBe(200);
      expect((await raw("PUT", `${base}/model/MLmodel`, auth, Buffer.from("flavors: {}\n"))).status).toBe(200);
      expect((await raw("PUT", `${base}/notes%20v1.txt`, auth, Buffer.from("hello"))).status).toBe(200);
      const down = await raw("GET", `${base}/model/weights.bin`, auth);
      expect(down.status).toBe(200);
      expect(down.body.equals(bytes)).toBe(true);
      const list = await raw("GET", `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${org.project.id}/${runId}/artifacts/model`)}`, auth);
      expect(JSON.parse(list.body.toString())).toEqual({
        files: [
          { path: "MLmodel", is_dir: false, file_size: 12 },
          { path: "weights.bin", is_dir: false, file_size: 300_000 },
        ],
      });
      const tracked = await api("GET", "artifacts/list", { run_id: runId }, auth);
      expect(tracked.body.files).toEqual([
        { path: "model", is_dir: true },
        { path: "notes v1.txt", is_dir: false, file_size: 5 },
      ]);
      expect((await raw("GET", `${base}/model/weights.bin`, bearer("outsider"))).status).toBe(403);
      expect((await raw("PUT", `${base}/x.txt`, bearer("manager"), Buffer.from("x"))).status).toBe(403);
      expect((await raw("GET", `${base}/model/weights.bin`, null)).status).toBe(401);
      expect((await raw("GET", `${base}/missing.bin`, auth)).status).toBe(404);
    });

    it("refuses every traversal form with 400 and writes nothing outside the run's root", async () => {
      const runId = await newRun();
      const victim = await newRun();
      const base = `/api/2.0/mlflow-artifacts/artifacts/${org.project.id}/${runId}/artifacts`;
      const auth = bearer("dataScientist");
      const before = allFiles();
      const forms = [
        `${base}/../../${victim}/artifacts/pwned.txt`,
        `${base}/..%2f..%2f${victim}%2fartifacts%2fpwned.txt`,
        `${base}/%2e%2e%2f%2e%2e%2f${victim}%2fartifacts%2fpwned.txt`,
        `${base}/%2e%2e/%2e%2e/${victim}/artifacts/pwned.txt`,
        `${base}/%252e%252e%252f%252e%252e%252fpwned.txt`,
        `${base}/..%5c..%5cpwned.txt`,
        `${base}/..\\..\\pwned.txt`,
        `${base}//etc/pwned.txt`,
        `${base}/%2fetc%2fpwned.txt`,
        `${base}/C:%5cpwned.txt`,
        `/api/2.0/mlflow-artifacts/artifacts/..%2f..%2f..%2fpwned.txt`,
      ];
      for (const form of forms) {
        const res = await raw("PUT", form, auth, Buffer.from("pwned"));
        expect(res.status, form).toBe(400);
        expect(JSON.parse(res.body.toString()).error_code, form).toBe("INVALID_PARAMETER_VALUE");
      }
      for (const p of [`${org.project.id}/${runId}/artifacts/../../${victim}/artifacts`, "/etc", `${org.project.id}/${runId}/artifacts/%2e%2e`]) {
        const res = await raw("GET", `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(p)}`, auth);
        expect(res.status, p).toBe(400);
      }
      const listed = await api("GET", "artifacts/list", { run_id: runId, path: "../.." }, auth);
      expect(listed.status).toBe(400);
      expect(allFiles()).toEqual(before);
      expect(fs.existsSync(path.join(os.tmpdir(), "pwned.txt"))).toBe(false);
    });
  });

  it("records logged models (runs/log-model) in the mlflow.log-model.history tag, as MLflow does", async () => {
    const runId = await newRun();
    const model = { artifact_path: "model", flavors: { python_function: { loader_module: "mlflow.sklearn" } }, utc_time_created: "2026-11-26 10:00:00.000000" };
    for (let i = 0; i < 2; i++) {
      const res = await api("POST", "runs/log-model", { run_id: runId, model_json: JSON.stringify(model) }, bearer("dataScientist"));
      expect(res.status).toBe(200);
    }
    const got = await api("GET", "runs/get", { run_id: runId }, bearer("dataScientist"));
    const tag = (got.body.run as { data: { tags: { key: string; value: string }[] } }).data.tags.find((x) => x.key === "mlflow.log-model.history");
    expect(JSON.parse(tag!.value)).toEqual([
      { run_id: runId, ...model },
      { run_id: runId, ...model },
    ]);
    const bad = await api("POST", "runs/log-model", { run_id: runId, model_json: "not json" }, bearer("dataScientist"));
    expect(bad.status).toBe(400);
  });

  it("the ajax-api prefix answers the same API; unknown endpoints and runs of deleted state are refused clearly", async () => {
    const runId = await newRun();
    const res = await fetch(`${server.url}/ajax-api/2.0/mlflow/runs/get?run_id=${runId}`, { headers: { authorization: bearer("dataScientist") } });
    expect(res.status).toBe(200);
    const unknown = await api("GET", "runs/nope", null, bearer("dataScientist"));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error_code).toBe("ENDPOINT_NOT_FOUND");
    expect((await api("POST", "runs/delete", { run_id: runId }, bearer("manager"))).status).toBe(403);
    expect((await api("POST", "runs/delete", { run_id: runId }, bearer("dataScientist"))).status).toBe(200);
    const [row] = await t.db.select({ stage: runs.lifecycleStage }).from(runs).where(eq(runs.id, runId));
    expect(row!.stage).toBe("deleted");
    const logging = await api("POST", "runs/log-metric", { run_id: runId, key: "x", value: 1, timestamp: 1 }, bearer("dataScientist"));
    expect(logging.status).toBe(400);
    expect(logging.body.message).toMatch(/must be in the 'active' state/);
    expect((await api("POST", "runs/restore", { run_id: runId }, bearer("dataScientist"))).status).toBe(200);
  });
});
