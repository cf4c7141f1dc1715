// Integration: MLflow's model registry REST API (mlflow/protos/model_registry.proto) over real HTTP —
// real route handlers, authorize(), services and database (PGlite, then PostgreSQL with DATABASE_URL).
// The `mlflow` npm package has no registry client, so requests are raw JSON, shaped as MLflow's
// Python client sends them (GET and DELETE parameters in the query string).
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiTokens, memberships, projects, registeredModels } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { request } from "@/lib/actions/testing";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import { generateApiToken } from "@/lib/auth/tokens";
import { startTrackingServer } from "@/lib/tracking/testing-server";

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

const { createRunWithToken } = await import("@/lib/tracking/service");

type Json = Record<string, unknown> & { error_code?: string; message?: string };
type Params = Record<string, unknown>;
const REGISTRY_TABLES = ["registered_models", "registered_model_tags", "model_versions", "model_version_tags", "model_aliases"];

describe(`MLflow model registry API over HTTP on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let other: Awaited<ReturnType<typeof createFixtureOrg>>;
  let server: { url: string; close: () => Promise<void> };
  let artifacts: string;
  const tag = crypto.randomBytes(3).toString("hex");

  beforeAll(async () => {
    vi.spyOn(console, "error").mockImplementation((...a) => process.stderr.write(a.map((x) => String((x as { cause?: unknown })?.cause ?? x)).join(" ").slice(0, 600) + "\n"));
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    other = await createFixtureOrg(t.db);
    request.db = t.db;
    request.sessionId = null;
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-registry-artifacts-"));
    setArtifactRootForTests(artifacts);
    server = await startTrackingServer();
  });
  afterAll(async () => {
    await server?.close();
    setArtifactRootForTests(null);
    fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  const tokens = new Map<string, string>();
  /** A bearer header with a personal API token of this user. */
  async function bearer(user: { id: string }): Promise<string> {
    if (!tokens.has(user.id)) {
      const { token, hash, displayPrefix } = generateApiToken();
      await t.db.insert(apiTokens).values({ userId: user.id, name: "test", tokenHash: hash, prefix: displayPrefix });
      tokens.set(user.id, token);
    }
    return `Bearer ${tokens.get(user.id)}`;
  }

  /** Raw JSON call; GET and DELETE parameters go in the query string (arrays as repeated parameters). */
  async function api(method: "GET" | "POST" | "DELETE", endpoint: string, params: Params | null, auth: string | null, opts: { body?: Params; prefix?: string } = {}) {
    const url = new URL(`${server.url}/${opts.prefix ?? "api"}/2.0/mlflow/${endpoint}`);
    const inQuery = method !== "POST";
    if (inQuery && params) {
      for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(x));
    }
    const body = inQuery ? opts.body : (params ?? {});
    const res = await fetch(url, {
      method,
      headers: { ...(auth ? { authorization: auth } : {}), ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function ok(method: "GET" | "POST" | "DELETE", endpoint: string, params: Params | null, auth: string, opts?: { body?: Params }) {
    const res = await api(method, endpoint, params, auth, opts);
    expect(res.status, `${method} ${endpoint}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body;
  }

  async function refused(res: Promise<{ status: number; body: Json }>, status: number, code: string, message?: RegExp | string) {
    const r = await res;
    expect({ status: r.status, code: r.body.error_code }, JSON.stringify(r.body)).toEqual({ status, code });
    if (typeof message === "string") expect(r.body.message).toBe(message);
    else if (message) expect(r.body.message).toMatch(message);
    return r.body;
  }

  /** A model directory among the run's artifacts, as log_model leaves it (empty sources are refused). */
  function modelFiles(runId: string, dir = "model") {
    const at = path.join(artifacts, "runs", runId, dir);
    fs.mkdirSync(at, { recursive: true });
    fs.writeFileSync(path.join(at, "MLmodel"), `artifact_path: ${dir}\n`);
  }

  async function newRun(user: { id: string }, project: { id: string } = org.project): Promise<string> {
    const body = await ok("POST", "runs/create", { experiment_id: project.id }, await bearer(user));
    const runId = (body.run as { info: { run_id: string } }).info.run_id;
    modelFiles(runId);
    return runId;
  }

  let seq = 0;
  const uniqueName = (prefix: string) => `${prefix}-${tag}-${++seq}`;

  async function createModel(user: { id: string }, project: { slug: string } | null, extra: Params = {}): Promise<string> {
    const name = uniqueName("m");
    const tags = project ? [{ key: "ferry.project", value: project.slug }] : [];
    await ok("POST", "registered-models/create", { name, tags, ...extra }, await bearer(user));
    return name;
  }

  async function unchanged(fn: () => Promise<void>) {
    const before = await t.counts(...REGISTRY_TABLES);
    await fn();
    expect(await t.counts(...REGISTRY_TABLES)).toEqual(before);
  }

  const ds = () => org.users.dataScientist;

  it("creates a model and versions, and answers get, search and get-latest-versions in MLflow's shapes", async () => {
    const auth = await bearer(ds());
    const runId = await newRun(ds());
    const name = uniqueName("churn");
    const created = await ok(
      "POST",
      "registered-models/create",
      { name, description: "Churn classifier", tags: [{ key: "team", value: "growth" }, { key: "ferry.project", value: org.project.slug }] },
      auth,
    );
    const model = {
      name,
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
      user_id: ds().email,
      description: "Churn classifier",
      latest_versions: [],
      tags: [
        { key: "ferry.project", value: org.project.slug },
        { key: "team", value: "growth" },
      ],
      aliases: [],
    };
    expect(created).toEqual({ registered_model: model });
    const createdModel = created.registered_model as { creation_timestamp: number };
    expect(Math.abs(createdModel.creation_timestamp - Date.now())).toBeLessThan(60_000);

    const v1 = await ok(
      "POST",
      "model-versions/create",
      { name, source: `runs:/${runId}/model`, run_id: runId, description: "first", run_link: "http://ci/1", tags: [{ key: "k", value: "v" }], unknown_field: 1 },
      auth,
    );
    const version1 = {
      name,
      version: "1",
      creation_timestamp: expect.any(Number),
      last_updated_timestamp: expect.any(Number),
      user_id: ds().email,
      current_stage: "None",
      description: "first",
      source: `runs:/${runId}/model`,
      run_id: runId,
      status: "READY",
      status_message: "",
      tags: [{ key: "k", value: "v" }],
      run_link: "http://ci/1",
      aliases: [],
    };
    expect(v1).toEqual({ model_version: version1 });

    // run_id omitted: the version takes the run its source names.
    const source2 = `mlflow-artifacts:/${org.project.id}/${runId}/artifacts/model`;
    const v2 = (await ok("POST", "model-versions/create", { name, source: source2, run_id: null, description: null, tags: null }, auth)).model_version as Record<string, unknown>;
    expect(v2).toMatchObject({ version: "2", run_id: runId, source: source2, description: "", run_link: "", tags: [], aliases: [] });
    await refused(api("POST", "model-versions/create", { name, source: `runs:/${runId}/model`, run_id: "f".repeat(32) }, auth), 400, "INVALID_PARAMETER_VALUE", /must be the same run/);

    const got = (await ok("GET", "registered-models/get", { name }, auth)).registered_model as { latest_versions: unknown[]; last_updated_timestamp: number };
    expect(got).toEqual({ ...model, latest_versions: [v2] });
    expect(got.last_updated_timestamp).toBeGreaterThanOrEqual(createdModel.creation_timestamp);

    expect(await ok("GET", "model-versions/get", { name, version: "1" }, auth)).toEqual({ model_version: version1 });
    expect(await ok("GET", "model-versions/get", { name, version: 2 }, auth)).toEqual({ model_version: v2 });
    await refused(api("GET", "model-versions/get", { name, version: "abc" }, auth), 400, "INVALID_PARAMETER_VALUE", "Parameter 'version' must be an integer, got 'abc'.");
    await refused(api("GET", "model-versions/get", { name, version: 9 }, auth), 404, "RESOURCE_DOES_NOT_EXIST", `Model Version (name=${name}, version=9) not found`);
    await refused(api("GET", "model-versions/get", { name }, auth), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'version'.");
    await refused(api("GET", "registered-models/get", { name: `${name}-nope` }, auth), 404, "RESOURCE_DOES_NOT_EXIST", `Registered Model with name=${name}-nope not found`);

    for (const filter of [`name = '${name}'`, `name LIKE 'churn-${tag}-%'`, `name ILIKE 'CHURN-${tag.toUpperCase()}-%'`, `tags.team = 'growth' AND name = '${name}'`, `name="${name}"`]) {
      const found = await ok("GET", "registered-models/search", { filter }, auth);
      expect(found, filter).toEqual({ registered_models: [{ ...model, latest_versions: [v2] }] });
    }
    expect(await ok("GET", "registered-models/search", { filter: `name = 'nothing-${tag}'` }, auth)).toEqual({ registered_models: [] });

    const versions = await ok("GET", "model-versions/search", { filter: `name = '${name}'` }, auth);
    expect(versions).toEqual({ model_versions: [v2, version1] });
    const byRun = await ok("GET", "model-versions/search", { filter: `run_id = '${runId}'` }, auth);
    expect((byRun.model_versions as { version: string }[]).map((v) => v.version)).toEqual(["2", "1"]);
    const byRuns = await ok("GET", "model-versions/search", { filter: `run_id IN ('${runId}', '${"0".repeat(32)}')`, order_by: ["version_number ASC"] }, auth);
    expect((byRuns.model_versions as { version: string }[]).map((v) => v.version)).toEqual(["1", "2"]);
    expect(await ok("GET", "model-versions/search", { filter: `run_id IN ('${"0".repeat(32)}')` }, auth)).toEqual({ model_versions: [] });
    await refused(api("GET", "model-versions/search", { filter: "name = 'a' OR name = 'b'" }, auth), 400, "INVALID_PARAMETER_VALUE", /OR is not supported/);
    await refused(api("GET", "model-versions/search", { filter: "name IN ('a')" }, auth), 400, "INVALID_PARAMETER_VALUE", /Invalid comparator IN/);
    await refused(api("GET", "registered-models/search", { filter: "run_id = 'a'" }, auth), 400, "INVALID_PARAMETER_VALUE", /Invalid attribute name: run_id/);
    await refused(api("GET", "registered-models/search", { filter: "name = unquoted" }, auth), 400, "INVALID_PARAMETER_VALUE", /quoted string/);

    expect(await ok("POST", "registered-models/get-latest-versions", { name }, auth)).toEqual({ model_versions: [v2] });
    expect(await ok("POST", "registered-models/get-latest-versions", { name, stages: ["None"] }, auth)).toEqual({ model_versions: [v2] });
    expect(await ok("GET", "registered-models/get-latest-versions", { name, stages: ["Production"] }, auth)).toEqual({ model_versions: [] });
    await refused(api("POST", "registered-models/get-latest-versions", { name, stages: ["Live"] }, auth), 400, "INVALID_PARAMETER_VALUE", /Invalid Model Version stage: Live/);

    // The same name again, from anyone: names are unique across Ferry, answered as MLflow does.
    await unchanged(async () => {
      await refused(api("POST", "registered-models/create", { name, tags: [{ key: "ferry.project", value: org.project.slug }] }, auth), 400, "RESOURCE_ALREADY_EXISTS", `Registered Model (name=${name}) already exists.`);
      await refused(api("POST", "registered-models/create", { name }, await bearer(other.users.dataScientist)), 400, "RESOURCE_ALREADY_EXISTS", `Registered Model (name=${name}) already exists.`);
      for (const bad of ["bad/name", "a..b", "-lead", "x".repeat(129)]) {
        await refused(api("POST", "registered-models/create", { name: bad, tags: [{ key: "ferry.project", value: org.project.slug }] }, auth), 400, "INVALID_PARAMETER_VALUE", /Invalid model name/);
      }
      await refused(api("POST", "registered-models/create", { tags: [] }, auth), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'name'.");
      await refused(api("POST", "registered-models/create", { name: uniqueName("t"), tags: [{ key: "../x", value: "1" }] }, auth), 400, "INVALID_PARAMETER_VALUE", /must not resolve to other names/);
    });
  });

  it("pages searches with next_page_token and orders them as asked", async () => {
    const project = (await t.db.insert(projects).values({ slug: `pages-${tag}`, name: "Pages" }).returning())[0]!;
    const user = org.users.mlEngineer;
    await t.db.insert(memberships).values({ projectId: project.id, userId: user.id, persona: "ml_engineer" });
    const auth = await bearer(user);
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const name = `pg-${tag}-${i}`;
      await ok("POST", "registered-models/create", { name, tags: [{ key: "ferry.project", value: project.slug }] }, auth);
      names.push(name);
    }
    const runId = await newRun(user, project);
    for (let i = 0; i < 3; i++) {
      modelFiles(runId, `m${i}`);
      await ok("POST", "model-versions/create", { name: names[1], source: `runs:/${runId}/m${i}` }, auth);
    }
    // names[1] got versions last, so it is the most recently updated model.
    const search = async (params: Params) => {
      const body = await ok("GET", "registered-models/search", { filter: `name LIKE 'pg-${tag}-%'`, ...params }, auth);
      return { names: (body.registered_models as { name: string }[]).map((m) => m.name), next: body.next_page_token as string | undefined };
    };
    const p1 = await search({ max_results: 2 });
    const p2 = await search({ max_results: 2, page_token: p1.next! });
    const p3 = await search({ max_results: 2, page_token: p2.next! });
    expect([p1.names, p2.names, p3.names]).toEqual([names.slice(0, 2), names.slice(2, 4), names.slice(4)]);
    expect(typeof p1.next).toBe("string");
    expect(p3.next).toBeUndefined();
    expect((await search({ max_results: 5 })).next).toBeUndefined();
    expect((await search({ order_by: ["name DESC"] })).names).toEqual([...names].reverse());
    expect((await search({ order_by: ["last_updated_timestamp DESC"] })).names[0]).toBe(names[1]);
    expect((await search({})).names).toEqual(names); // default: name ASC

    const v1 = await ok("GET", "model-versions/search", { filter: `name = '${names[1]}'`, max_results: 2 }, auth);
    expect((v1.model_versions as { version: string }[]).map((v) => v.version)).toEqual(["3", "2"]);
    const v2 = await ok("GET", "model-versions/search", { filter: `name = '${names[1]}'`, max_results: 2, page_token: v1.next_page_token as string }, auth);
    expect(v2).toEqual({ model_versions: [expect.objectContaining({ version: "1" })] });

    await refused(api("GET", "registered-models/search", { max_results: 1001 }, auth), 400, "INVALID_PARAMETER_VALUE", "Invalid value for request parameter max_results. It must be at most 1000, but got value 1001");
    await refused(api("GET", "registered-models/search", { page_token: "nonsense" }, auth), 400, "INVALID_PARAMETER_VALUE", /Invalid page_token/);
    await refused(api("GET", "registered-models/search", { order_by: ["run_id"] }, auth), 400, "INVALID_PARAMETER_VALUE", /Invalid order_by clause/);
    await refused(api("GET", "model-versions/search", { max_results: 10_001 }, auth), 400, "INVALID_PARAMETER_VALUE", /at most 10000/);
  });

  it("sets, reads, moves and deletes a free alias; production and staging are refused with 403", async () => {
    const auth = await bearer(ds());
    const runId = await newRun(ds());
    const name = await createModel(ds(), org.project);
    for (let i = 0; i < 2; i++) await ok("POST", "model-versions/create", { name, source: `runs:/${runId}/model` }, auth);

    expect(await ok("POST", "registered-models/alias", { name, alias: "champion", version: "1" }, auth)).toEqual({});
    const byAlias = (await ok("GET", "registered-models/alias", { name, alias: "champion" }, auth)).model_version as Record<string, unknown>;
    expect(byAlias).toMatchObject({ name, version: "1", aliases: ["champion"] });
    expect(((await ok("GET", "registered-models/get", { name }, auth)).registered_model as { aliases: unknown }).aliases).toEqual([{ alias: "champion", version: "1" }]);
    await ok("POST", "registered-models/alias", { name, alias: "champion", version: 2 }, auth);
    await ok("POST", "registered-models/alias", { name, alias: "challenger", version: 2 }, auth);
    expect(((await ok("GET", "model-versions/get", { name, version: "2" }, auth)).model_version as { aliases: string[] }).aliases).toEqual(["challenger", "champion"]);
    expect(((await ok("GET", "registered-models/get", { name }, auth)).registered_model as { aliases: unknown }).aliases).toEqual([
      { alias: "challenger", version: "2" },
      { alias: "champion", version: "2" },
    ]);
    expect(((await ok("GET", "registered-models/alias", { name, alias: "latest" }, auth)).model_version as { version: string }).version).toBe("2");

    // MLflow's clients send DELETE parameters in the query string; a JSON body works too.
    expect(await ok("DELETE", "registered-models/alias", { name, alias: "champion" }, auth)).toEqual({});
    await refused(api("GET", "registered-models/alias", { name, alias: "champion" }, auth), 400, "INVALID_PARAMETER_VALUE", "Registered model alias champion not found.");
    expect(await ok("DELETE", "registered-models/alias", null, auth, { body: { name, alias: "challenger" } })).toEqual({});
    expect(((await ok("GET", "registered-models/get", { name }, auth)).registered_model as { aliases: unknown }).aliases).toEqual([]);
    expect(await ok("DELETE", "registered-models/alias", { name, alias: "never-set" }, auth)).toEqual({});

    await ok("POST", "registered-models/alias", { name, alias: "keep", version: 1 }, auth);
    await unchanged(async () => {
      for (const alias of ["production", "staging", "Production", "STAGING"]) {
        const message = /moves only through an approved promotion request/;
        await refused(api("POST", "registered-models/alias", { name, alias, version: "1" }, auth), 403, "PERMISSION_DENIED", message);
        await refused(api("DELETE", "registered-models/alias", { name, alias }, auth), 403, "PERMISSION_DENIED", message);
        // Admins too: environments move only through promotion requests.
        await refused(api("POST", "registered-models/alias", { name, alias, version: "1" }, await bearer(org.users.admin)), 403, "PERMISSION_DENIED", message);
      }
      for (const [alias, message] of [
        ["latest", "'latest' alias name (case insensitive) is reserved."],
        ["v1", "Version alias name 'v1' is reserved."],
        ["V12", "Version alias name 'V12' is reserved."],
        ["has space", "Invalid alias name: 'has space'. Names may only contain alphanumerics, underscores (_), and dashes (-)."],
        ["a/b", /Invalid alias name/],
        ["x".repeat(256), /exceeds the maximum length of 255/],
      ] as const) {
        await refused(api("POST", "registered-models/alias", { name, alias, version: "1" }, auth), 400, "INVALID_PARAMETER_VALUE", message);
      }
      await refused(api("POST", "registered-models/alias", { name, alias: "ok", version: "7" }, auth), 404, "RESOURCE_DOES_NOT_EXIST", `Model Version (name=${name}, version=7) not found`);
      await refused(api("POST", "registered-models/alias", { name, alias: "ok" }, auth), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'version'.");
      // A manager reads but does not move aliases; an outsider does not even see the model.
      const manager = await bearer(org.users.manager);
      await refused(api("POST", "registered-models/alias", { name, alias: "mine", version: "1" }, manager), 403, "PERMISSION_DENIED");
      await refused(api("DELETE", "registered-models/alias", { name, alias: "keep" }, manager), 403, "PERMISSION_DENIED");
      expect(((await ok("GET", "registered-models/alias", { name, alias: "keep" }, manager)).model_version as { version: string }).version).toBe("1");
      await refused(api("POST", "registered-models/alias", { name, alias: "mine", version: "1" }, await bearer(org.users.outsider)), 404, "RESOURCE_DOES_NOT_EXIST");
      await refused(api("DELETE", "registered-models/alias", { name, alias: "keep" }, await bearer(other.users.dataScientist)), 404, "RESOURCE_DOES_NOT_EXIST");
    });
  });

  it("puts a new model in the project named by ferry.project, else the run token's, else the caller's only one", async () => {
    const projectOf = async (name: string) => (await t.db.select({ p: registeredModels.projectId }).from(registeredModels).where(eq(registeredModels.name, name)))[0]!.p;

    // By slug and by id.
    expect(await projectOf(await createModel(ds(), org.project))).toBe(org.project.id);
    const byId = uniqueName("byid");
    await ok("POST", "registered-models/create", { name: byId, tags: [{ key: "ferry.project", value: org.project.id }] }, await bearer(ds()));
    expect(await projectOf(byId)).toBe(org.project.id);

    // The other organisation's data scientist is a member of one project only: no tag needed.
    const single = await createModel(other.users.dataScientist, null);
    expect(await projectOf(single)).toBe(other.project.id);

    // Two projects where the caller may register: the tag is required, and the message says so.
    const amb = org.users.mlEngineer;
    const second = (await t.db.insert(projects).values({ slug: `second-${tag}`, name: "Second" }).returning())[0]!;
    await t.db.insert(memberships).values({ projectId: second.id, userId: amb.id, persona: "data_scientist" }).onConflictDoNothing();
    await unchanged(async () => {
      const body = await refused(api("POST", "registered-models/create", { name: uniqueName("amb") }, await bearer(amb)), 400, "INVALID_PARAMETER_VALUE", /ferry\.project=<project slug>/);
      expect(body.message).toContain(org.project.slug);
      // Admins see every project, so they name one as well.
      await refused(api("POST", "registered-models/create", { name: uniqueName("adm") }, await bearer(org.users.admin)), 400, "INVALID_PARAMETER_VALUE", /ferry\.project=<project slug>/);
      // A project the caller is not a member of, or that does not exist, is refused.
      await refused(api("POST", "registered-models/create", { name: uniqueName("x"), tags: [{ key: "ferry.project", value: other.project.slug }] }, await bearer(amb)), 403, "PERMISSION_DENIED");
      await refused(api("POST", "registered-models/create", { name: uniqueName("x"), tags: [{ key: "ferry.project", value: `nope-${tag}` }] }, await bearer(amb)), 403, "PERMISSION_DENIED");
    });
    const inSecond = await createModel(amb, second);
    expect(await projectOf(inSecond)).toBe(second.id);
    // mlflow.register_model() creates the model without tags, takes RESOURCE_ALREADY_EXISTS as
    // "it exists", and goes on to create the version: that works for a caller with several projects.
    await refused(api("POST", "registered-models/create", { name: inSecond }, await bearer(amb)), 400, "RESOURCE_ALREADY_EXISTS", `Registered Model (name=${inSecond}) already exists.`);
    const secondRun = await newRun(amb, second);
    await ok("POST", "model-versions/create", { name: inSecond, source: `runs:/${secondRun}/model` }, await bearer(amb));

    // A run token: its run's project, whatever other projects its author belongs to.
    const actor = { ...amb, name: "Max", isAdmin: false, orgRole: "member" as const, mustChangePassword: false, sessionId: null, tokenId: null };
    const launched = await createRunWithToken(t.db, actor, org.project, { runName: "launched" });
    modelFiles(launched.id);
    const runAuth = `Bearer ${launched.token}`;
    const fromRun = uniqueName("fromrun");
    const created = await ok("POST", "registered-models/create", { name: fromRun }, runAuth);
    expect((created.registered_model as { user_id: string }).user_id).toBe(amb.email);
    expect(await projectOf(fromRun)).toBe(org.project.id);
    expect(await ok("POST", "model-versions/create", { name: fromRun, source: `runs:/${launched.id}/model` }, runAuth)).toMatchObject({ model_version: { version: "1", run_id: launched.id } });
    await ok("POST", "registered-models/alias", { name: fromRun, alias: "candidate", version: "1" }, runAuth);
    expect(await ok("GET", "registered-models/get", { name: fromRun }, runAuth)).toMatchObject({ registered_model: { name: fromRun } });

    const otherRun = await newRun(ds());
    const dsModel = await createModel(ds(), org.project);
    await ok("POST", "model-versions/create", { name: dsModel, source: `runs:/${otherRun}/model` }, await bearer(ds()));
    const secondModel = await createModel(amb, second);
    // An alias pointing at another run's version is not the run token's to move, even onto its own version.
    await ok("POST", "model-versions/create", { name: dsModel, source: `runs:/${launched.id}/model` }, runAuth);
    await ok("POST", "registered-models/alias", { name: dsModel, alias: "champion", version: "1" }, await bearer(ds()));
    await unchanged(async () => {
      await refused(api("POST", "registered-models/alias", { name: dsModel, alias: "champion", version: "2" }, runAuth), 403, "PERMISSION_DENIED", /own run/);
    });
    expect(await ok("GET", "registered-models/alias", { name: dsModel, alias: "champion" }, runAuth)).toMatchObject({ model_version: { version: "1" } });
    await unchanged(async () => {
      // A source with no files: nothing was logged there.
      await refused(api("POST", "model-versions/create", { name: dsModel, source: `runs:/${otherRun}/not-logged` }, await bearer(ds())), 400, "INVALID_PARAMETER_VALUE", /has no files under 'not-logged'/);
      // Versions from another run, aliases of another run's versions, models of another project: refused.
      await refused(api("POST", "model-versions/create", { name: fromRun, source: `runs:/${otherRun}/model` }, runAuth), 403, "PERMISSION_DENIED", /own run/);
      await refused(api("POST", "model-versions/create", { name: fromRun, source: `runs:/${otherRun}/model`, run_id: launched.id }, runAuth), 403, "PERMISSION_DENIED", /own run/);
      await refused(api("POST", "registered-models/alias", { name: dsModel, alias: "hijack", version: "1" }, runAuth), 403, "PERMISSION_DENIED", /own run/);
      await refused(api("POST", "registered-models/create", { name: uniqueName("x"), tags: [{ key: "ferry.project", value: second.slug }] }, runAuth), 403, "PERMISSION_DENIED");
      await refused(api("GET", "registered-models/get", { name: secondModel }, runAuth), 404, "RESOURCE_DOES_NOT_EXIST", `Registered Model with name=${secondModel} not found`);
      await refused(api("POST", "model-versions/create", { name: secondModel, source: `runs:/${launched.id}/model` }, runAuth), 404, "RESOURCE_DOES_NOT_EXIST");
    });
    const seen = await ok("GET", "registered-models/search", { filter: `name LIKE '%-${tag}-%'`, max_results: 1000 }, runAuth);
    expect((seen.registered_models as { name: string }[]).map((m) => m.name)).not.toContain(secondModel);
    expect((seen.registered_models as { name: string }[]).map((m) => m.name)).toContain(fromRun);
  });

  it("hides other projects' models like missing ones, and keeps read-only personas from registering", async () => {
    const name = await createModel(ds(), org.project);
    const runId = await newRun(ds());
    await ok("POST", "model-versions/create", { name, source: `runs:/${runId}/model` }, await bearer(ds()));
    const missing = `missing-${tag}`;
    for (const user of [org.users.outsider, org.users.orgOpsOutsider, other.users.dataScientist]) {
      const auth = await bearer(user);
      for (const [n, expected] of [
        [name, `Registered Model with name=${name} not found`],
        [missing, `Registered Model with name=${missing} not found`],
      ]) {
        await refused(api("GET", "registered-models/get", { name: n }, auth), 404, "RESOURCE_DOES_NOT_EXIST", expected);
        await refused(api("POST", "registered-models/get-latest-versions", { name: n }, auth), 404, "RESOURCE_DOES_NOT_EXIST", expected);
        await refused(api("GET", "registered-models/alias", { name: n, alias: "x" }, auth), 404, "RESOURCE_DOES_NOT_EXIST", expected);
        await refused(api("GET", "model-versions/get", { name: n, version: "1" }, auth), 404, "RESOURCE_DOES_NOT_EXIST", expected);
      }
      await unchanged(async () => {
        await refused(api("POST", "model-versions/create", { name, source: `runs:/${runId}/model` }, auth), 404, "RESOURCE_DOES_NOT_EXIST", `Registered Model with name=${name} not found`);
      });
      const models = await ok("GET", "registered-models/search", { filter: `name = '${name}'` }, auth);
      expect(models).toEqual({ registered_models: [] });
      expect(await ok("GET", "model-versions/search", { filter: `run_id = '${runId}'` }, auth)).toEqual({ model_versions: [] });
    }

    // A manager reads everything in the project but cannot register.
    const manager = await bearer(org.users.manager);
    expect(await ok("GET", "registered-models/get", { name }, manager)).toMatchObject({ registered_model: { name } });
    expect(((await ok("GET", "model-versions/search", { filter: `name = '${name}'` }, manager)).model_versions as unknown[]).length).toBe(1);
    await unchanged(async () => {
      await refused(api("POST", "registered-models/create", { name: uniqueName("mgr") }, manager), 403, "PERMISSION_DENIED");
      await refused(api("POST", "registered-models/create", { name: uniqueName("mgr"), tags: [{ key: "ferry.project", value: org.project.slug }] }, manager), 403, "PERMISSION_DENIED", /not allowed to register model versions/);
      await refused(api("POST", "model-versions/create", { name, source: `runs:/${runId}/model` }, manager), 403, "PERMISSION_DENIED", /not allowed to register model versions/);
      await refused(api("POST", "model-versions/create", { name, source: `runs:/${runId}/model` }, await bearer(org.users.ops)), 403, "PERMISSION_DENIED");
      await refused(api("POST", "registered-models/create", { name: uniqueName("anon") }, null), 401, "UNAUTHENTICATED");
    });
  });

  it("refuses sources that leave the run's artifact root and writes nothing", async () => {
    const auth = await bearer(ds());
    const name = await createModel(ds(), org.project);
    const runId = await newRun(ds());
    const victim = await newRun(ds());
    const elsewhere = await newRun(other.users.dataScientist, other.project);
    const sources = [
      `runs:/${runId}/../${victim}/model`,
      `runs:/${runId}/model/../../${victim}`,
      `../${victim}/artifacts/model`,
      `runs:/${runId}/%2e%2e%2f${victim}`,
      `runs:/${runId}/%2e%2e/${victim}`,
      `runs:/${runId}/..%2f${victim}`,
      `runs:/${runId}/%252e%252e%252f${victim}`,
      `mlflow-artifacts:/${org.project.id}/${runId}/artifacts/../../${victim}/artifacts`,
      `mlflow-artifacts:/${org.project.id}/${runId}/artifacts/%252e%252e%252f%252e%252e%252f`,
      "file:///etc/passwd",
      "FILE:/etc/passwd",
      "/tmp/x",
      "/etc/passwd",
      "C:\\Windows\\system.ini",
      "s3://b/k",
      "gs://bucket/model",
      `runs:/${runId}\\..\\${victim}`,
      `runs:/${runId}/model\\..\\..\\x`,
      `runs:/${runId}/%5c..%5cx`,
      `runs:/${elsewhere}/model`,
      `runs:/${"0".repeat(32)}/model`,
      `mlflow-artifacts:/${other.project.id}/${runId}/artifacts/model`,
      "",
    ];
    await unchanged(async () => {
      for (const source of sources) {
        const res = await api("POST", "model-versions/create", { name, source }, auth);
        expect({ status: res.status, code: res.body.error_code }, `${source}: ${JSON.stringify(res.body)}`).toEqual({ status: 400, code: "INVALID_PARAMETER_VALUE" });
        expect(res.body.message, source).not.toMatch(/Internal error/);
      }
    });
    // The run's own artifacts are fine, also when the model's files were uploaded first.
    const base = `${server.url}/api/2.0/mlflow-artifacts/artifacts/${org.project.id}/${runId}/artifacts/model/MLmodel`;
    expect((await fetch(base, { method: "PUT", headers: { authorization: auth }, body: "flavors: {}\n" })).status).toBe(200);
    expect(await ok("POST", "model-versions/create", { name, source: `runs:/${runId}/model` }, auth)).toMatchObject({ model_version: { version: "1" } });
  });

  it("answers under the ajax-api prefix too, and refuses wrong methods clearly", async () => {
    const auth = await bearer(ds());
    const name = await createModel(ds(), org.project);
    const runId = await newRun(ds());
    await ok("POST", "model-versions/create", { name, source: `runs:/${runId}/model` }, auth);
    const viaAjax = await api("POST", "registered-models/alias", { name, alias: "ajax", version: "1" }, auth, { prefix: "ajax-api" });
    expect(viaAjax.status).toBe(200);
    expect((await api("DELETE", "registered-models/alias", { name, alias: "ajax" }, auth, { prefix: "ajax-api" })).status).toBe(200);
    expect((await api("GET", "registered-models/get", { name }, auth, { prefix: "ajax-api" })).body).toMatchObject({ registered_model: { name, aliases: [] } });
    await refused(api("DELETE", "registered-models/get", { name }, auth), 404, "ENDPOINT_NOT_FOUND", /called with GET, not DELETE/);
    await refused(api("POST", "registered-models/search", {}, auth), 404, "ENDPOINT_NOT_FOUND");
  });
});
