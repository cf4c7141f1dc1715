import "server-only";
import { connection } from "next/server";
import { z } from "zod";
import { getDb, type Db } from "@/db";
import { authorizeActor, type Actor, type ProjectAuthContext } from "@/lib/auth/authorize";
import type { ProjectScopedPermission } from "@/lib/auth/permissions";
import { registryRoutes } from "@/lib/models/mlflow-registry";
import { listProjectsForActor } from "@/lib/projects/queries";
import { listRunArtifacts } from "./artifacts";
import { authenticate, mlflowErrorResponse } from "./respond";
import { MlflowError, invalid, notFound, parse } from "./errors";
import {
  HISTORY_PAGE_MAX,
  experimentToMlflow,
  getExperimentRow,
  getMetricHistory,
  getMlflowRuns,
  listExperimentRows,
  searchRunIds,
  type ViewType,
} from "./queries";
import { decodePageToken, encodePageToken, parseFilter, parseOrderBy } from "./search-filter";
import {
  createExperiment,
  createRun,
  deleteTag,
  logBatch,
  logInputs,
  recordLoggedModel,
  requireRun,
  runStatuses,
  setRunLifecycle,
  updateRun,
  type RunRef,
  type RunStatus,
} from "./service";
import { limits, parseInt64 } from "./validation";

// The MLflow REST API 2.0 (mlflow/protos/service.proto), answered under /api/2.0/mlflow/ and
// /ajax-api/2.0/mlflow/. Field names, defaults and errors follow MLflow, so its clients work as is.

type Handler = (call: Call) => Promise<unknown>;

interface Call {
  db: Db;
  actor: Actor;
  /** Query parameters for GET, the JSON body for POST, both for DELETE (MLflow clients send query parameters). */
  input: Record<string, unknown>;
  query: URLSearchParams;
  method: string;
}
export type { Call as MlflowCall };
export type MlflowRoute = { method: "GET" | "POST" | "GET|POST" | "GET|POST|DELETE"; handler: Handler; maxBytes?: number };

const MB = 1024 * 1024;
const routes: Record<string, MlflowRoute> = {
  "experiments/create": { method: "POST", handler: experimentsCreate },
  "experiments/get": { method: "GET", handler: experimentsGet },
  "experiments/get-by-name": { method: "GET", handler: experimentsGetByName },
  "experiments/search": { method: "GET|POST", handler: experimentsSearch },
  "runs/create": { method: "POST", handler: runsCreate },
  "runs/get": { method: "GET", handler: runsGet },
  "runs/update": { method: "POST", handler: runsUpdate },
  "runs/delete": { method: "POST", handler: (c) => runsLifecycle(c, "deleted") },
  "runs/restore": { method: "POST", handler: (c) => runsLifecycle(c, "active") },
  "runs/search": { method: "POST", handler: runsSearch },
  "runs/log-metric": { method: "POST", handler: runsLogMetric },
  "runs/log-batch": { method: "POST", handler: runsLogBatch, maxBytes: limits.batchBytes },
  "runs/log-parameter": { method: "POST", handler: runsLogParameter },
  "runs/set-tag": { method: "POST", handler: runsSetTag },
  "runs/delete-tag": { method: "POST", handler: runsDeleteTag },
  "runs/log-inputs": { method: "POST", handler: runsLogInputs, maxBytes: 20 * MB },
  "runs/log-model": { method: "POST", handler: runsLogModel },
  "metrics/get-history": { method: "GET", handler: metricsGetHistory },
  "artifacts/list": { method: "GET", handler: artifactsList },
  ...registryRoutes,
};

export async function handleMlflowRequest(request: Request, path: string[]): Promise<Response> {
  await connection();
  try {
    const endpoint = path.join("/");
    const route = routes[endpoint];
    if (!route) throw new MlflowError("ENDPOINT_NOT_FOUND", `No MLflow endpoint ${request.method} /api/2.0/mlflow/${endpoint} in Ferry.`);
    if (!route.method.split("|").includes(request.method)) {
      throw new MlflowError("ENDPOINT_NOT_FOUND", `${endpoint} is called with ${route.method.replaceAll("|", " or ")}, not ${request.method}.`);
    }
    const query = new URL(request.url).searchParams;
    const input =
      request.method === "GET"
        ? Object.fromEntries(query)
        : request.method === "DELETE"
          ? { ...Object.fromEntries(query), ...(await readJson(request, route.maxBytes ?? MB)) }
          : await readJson(request, route.maxBytes ?? MB);
    const db = await getDb();
    const actor = await authenticate(db, request);
    return Response.json((await route.handler({ db, actor, input, query, method: request.method })) ?? {});
  } catch (e) {
    return mlflowErrorResponse(e);
  }
}

async function readJson(request: Request, maxBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > maxBytes) throw invalid(`The request body exceeds the maximum of ${maxBytes} bytes.`);
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) throw invalid(`The request body exceeds the maximum of ${maxBytes} bytes.`);
  if (!text.trim()) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MlflowError("BAD_REQUEST", "The request body is not valid JSON.");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new MlflowError("BAD_REQUEST", "The request body must be a JSON object.");
  return body as Record<string, unknown>;
}

// ---- authorization helpers ----------------------------------------------------------------------

async function authorizeProject(call: Call, permission: ProjectScopedPermission, projectId: unknown): Promise<ProjectAuthContext> {
  if (typeof projectId !== "string" || !projectId) throw invalid("Missing value for required parameter 'experiment_id'.");
  if (projectId === "0") {
    throw notFound(
      "Experiment '0' (MLflow's default experiment) does not exist in Ferry: every experiment is a project. Set MLFLOW_EXPERIMENT_NAME to a project's slug.",
    );
  }
  return authorizeActor(call.db, call.actor, permission, { projectId });
}

/** The run named by run_id (or the deprecated run_uuid), after checking the caller may use it. */
async function authorizedRun(call: Call, permission: ProjectScopedPermission): Promise<RunRef> {
  const id = call.input.run_id ?? call.input.run_uuid;
  if (call.actor.runId && id !== call.actor.runId) {
    throw new MlflowError("PERMISSION_DENIED", "A run token can only read and log to its own run.");
  }
  const run = await requireRun(call.db, id);
  await authorizeActor(call.db, call.actor, permission, { projectId: run.projectId });
  return run;
}

function refuseRunTokens(call: Call) {
  if (call.actor.runId) throw new MlflowError("PERMISSION_DENIED", "A run token can only read and log to its own run.");
}

// ---- experiments --------------------------------------------------------------------------------

async function experimentsCreate(call: Call) {
  refuseRunTokens(call);
  const { name, tags } = parse(
    z.object({ name: z.unknown(), artifact_location: z.unknown().optional(), tags: z.array(z.object({ key: z.string(), value: z.string() })).optional() }),
    call.input,
  );
  await authorizeActor(call.db, call.actor, "projects.create");
  const description = tags?.find((t) => t.key === "mlflow.note.content")?.value ?? "";
  const project = await createExperiment(call.db, call.actor, name, description);
  return { experiment_id: project.id };
}

async function experimentsGet(call: Call) {
  const ctx = await authorizeProject(call, "projects.read", call.input.experiment_id);
  const row = await getExperimentRow(call.db, ctx.project.id);
  if (!row) throw notFound(`No Experiment with id=${ctx.project.id} exists`);
  return { experiment: experimentToMlflow(row) };
}

async function experimentsGetByName(call: Call) {
  const name = call.input.experiment_name;
  if (typeof name !== "string" || !name) throw invalid("Missing value for required parameter 'experiment_name'.");
  const visible = await listProjectsForActor(call.db, call.actor);
  const project = visible.find((p) => p.slug === name) ?? visible.find((p) => p.name === name);
  if (!project || (call.actor.runId && project.id !== call.actor.runProjectId)) {
    throw notFound(`Could not find experiment with name '${name}'`);
  }
  const row = await getExperimentRow(call.db, project.id);
  return { experiment: experimentToMlflow(row!) };
}

const searchExperimentsSchema = z.object({
  max_results: z.coerce.number().int().min(1).max(50_000).optional(),
  page_token: z.string().optional(),
  filter: z.string().optional(),
  order_by: z.union([z.array(z.string()), z.string()]).optional(),
  view_type: z.enum(["ACTIVE_ONLY", "DELETED_ONLY", "ALL"]).optional(),
});

async function experimentsSearch(call: Call) {
  refuseRunTokens(call);
  const input = parse(searchExperimentsSchema, call.input);
  const visible = await listProjectsForActor(call.db, call.actor);
  const matches = experimentNameFilter(input.filter);
  const rows = input.view_type === "DELETED_ONLY" ? [] : await listExperimentRows(call.db, visible.map((p) => p.id).filter(Boolean));
  const filtered = rows.filter((r) => matches(r.slug));
  const offset = decodePageToken(input.page_token);
  const max = input.max_results ?? 1000;
  const page = filtered.slice(offset, offset + max);
  return {
    experiments: page.map(experimentToMlflow),
    ...(offset + max < filtered.length ? { next_page_token: encodePageToken(offset + max) } : {}),
  };
}

/** Experiment search filters: `name = 'x'`, `name != 'x'`, `name LIKE '%x%'`, `name ILIKE …`. */
function experimentNameFilter(filter: string | undefined): (name: string) => boolean {
  if (!filter?.trim()) return () => true;
  const m = /^\s*(?:attributes?\.)?name\s*(=|!=|LIKE|ILIKE)\s*'([^']*)'\s*$/i.exec(filter);
  if (!m) throw invalid(`Invalid experiment filter '${filter}': Ferry supports name = 'x', name != 'x', name LIKE '%x%' and name ILIKE '%x%'.`);
  const [, op, value] = m as unknown as [string, string, string];
  const like = (ci: boolean) => {
    const re = new RegExp(`^${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replaceAll("%", ".*").replaceAll("_", ".")}$`, ci ? "is" : "s");
    return (n: string) => re.test(n);
  };
  switch (op.toUpperCase()) {
    case "=":
      return (n) => n === value;
    case "!=":
      return (n) => n !== value;
    case "LIKE":
      return like(false);
    default:
      return like(true);
  }
}

// ---- runs ---------------------------------------------------------------------------------------

const keyValues = z.array(z.object({ key: z.unknown(), value: z.unknown() }));

async function runsCreate(call: Call) {
  refuseRunTokens(call);
  const input = parse(
    z.object({
      experiment_id: z.string().optional(),
      run_name: z.string().optional(),
      start_time: z.union([z.number(), z.string()]).optional(),
      tags: keyValues.optional(),
    }),
    call.input,
  );
  const ctx = await authorizeProject(call, "runs.log", input.experiment_id);
  const startTime = input.start_time === undefined ? null : parseInt64("start_time", input.start_time);
  const { id } = await createRun(call.db, call.actor, ctx.project, {
    runName: input.run_name ?? null,
    startTime,
    tags: (input.tags ?? []).map((t) => ({ key: t.key as string, value: t.value as string })),
  });
  const [run] = await getMlflowRuns(call.db, [id]);
  return { run };
}

async function runsGet(call: Call) {
  const run = await authorizedRun(call, "projects.read");
  const [full] = await getMlflowRuns(call.db, [run.id]);
  return { run: full };
}

async function runsUpdate(call: Call) {
  const run = await authorizedRun(call, "runs.log");
  const input = parse(
    z.object({
      status: z.enum(runStatuses as [RunStatus, ...RunStatus[]]).optional(),
      end_time: z.union([z.number(), z.string()]).optional(),
      run_name: z.string().max(limits.runNameLength).optional(),
    }),
    call.input,
  );
  await updateRun(call.db, run, {
    status: input.status,
    endTime: input.end_time === undefined ? null : parseInt64("end_time", input.end_time),
    runName: input.run_name ?? null,
  });
  const [full] = await getMlflowRuns(call.db, [run.id]);
  return { run_info: full!.info };
}

async function runsLifecycle(call: Call, stage: "active" | "deleted") {
  refuseRunTokens(call);
  const run = await authorizedRun(call, "runs.write");
  await setRunLifecycle(call.db, call.actor, run, stage);
  return {};
}

const searchRunsSchema = z.object({
  experiment_ids: z.array(z.string()).min(1, "specify at least one experiment id"),
  filter: z.string().optional(),
  run_view_type: z.enum(["ACTIVE_ONLY", "DELETED_ONLY", "ALL"]).optional(),
  max_results: z.coerce.number().int().min(1).max(50_000).optional(),
  order_by: z.array(z.string()).optional(),
  page_token: z.string().optional(),
});

async function runsSearch(call: Call) {
  refuseRunTokens(call);
  const input = parse(searchRunsSchema, call.input);
  for (const id of input.experiment_ids) await authorizeProject(call, "projects.read", id);
  const page = await searchRunIds(
    call.db,
    {
      projectIds: input.experiment_ids,
      clauses: parseFilter(input.filter),
      orderBy: parseOrderBy(input.order_by),
      viewType: (input.run_view_type ?? "ACTIVE_ONLY") as ViewType,
    },
    input.max_results ?? 1000,
    input.page_token,
  );
  return { runs: await getMlflowRuns(call.db, page.ids), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
}

async function runsLogMetric(call: Call) {
  const run = await authorizedRun(call, "runs.log");
  const { key, value, timestamp, step } = call.input;
  await logBatch(call.db, run, { metrics: [{ key, value, timestamp, step }] });
  return {};
}

async function runsLogBatch(call: Call) {
  const run = await authorizedRun(call, "runs.log");
  const input = parse(
    z.object({
      metrics: z.array(z.object({ key: z.unknown(), value: z.unknown(), timestamp: z.unknown(), step: z.unknown() })).optional(),
      params: keyValues.optional(),
      tags: keyValues.optional(),
    }),
    call.input,
  );
  await logBatch(call.db, run, input);
  return {};
}

async function runsLogParameter(call: Call) {
  const run = await authorizedRun(call, "runs.log");
  await logBatch(call.db, run, { params: [{ key: call.input.key, value: call.input.value }] });
  return {};
}

async function runsSetTag(call: Call) {
  const run = await authorizedRun(call, "runs.log");
  await logBatch(call.db, run, { tags: [{ key: call.input.key, value: call.input.value }] });
  return {};
}

async function runsDeleteTag(call: Call) {
  const run = await authorizedRun(call, "runs.log");
  await deleteTag(call.db, run, call.input.key);
  return {};
}

async function runsLogInputs(call: Call) {
  const run = await authorizedRun(call, "runs.log");
  const input = parse(
    z.object({
      datasets: z
        .array(
          z.object({
            tags: keyValues.optional(),
            dataset: z.object({
              name: z.unknown(),
              digest: z.unknown(),
              source_type: z.unknown(),
              source: z.unknown(),
              schema: z.unknown().optional(),
              profile: z.unknown().optional(),
            }),
          }),
        )
        .optional(),
    }),
    call.input,
  );
  await logInputs(call.db, run, input.datasets ?? []);
  return {};
}

/** mlflow.<flavor>.log_model records the model's metadata here, after uploading its files as artifacts. */
async function runsLogModel(call: Call) {
  const run = await authorizedRun(call, "runs.log");
  const { model_json } = parse(z.object({ model_json: z.string().max(MB) }), call.input);
  await recordLoggedModel(call.db, run, model_json);
  return {};
}

async function metricsGetHistory(call: Call) {
  const run = await authorizedRun(call, "projects.read");
  const key = call.input.metric_key;
  if (typeof key !== "string" || !key) throw invalid("Missing value for required parameter 'metric_key'.");
  const max = call.input.max_results === undefined ? HISTORY_PAGE_MAX : parseInt64("max_results", call.input.max_results);
  if (max < 1 || max > HISTORY_PAGE_MAX) throw invalid(`max_results must be between 1 and ${HISTORY_PAGE_MAX}.`);
  const page = await getMetricHistory(call.db, run.id, key, max, call.input.page_token as string | undefined);
  return { metrics: page.metrics, ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
}

async function artifactsList(call: Call) {
  const run = await authorizedRun(call, "projects.read");
  const path = typeof call.input.path === "string" ? call.input.path : "";
  const files = await listRunArtifacts(run, path);
  return { root_uri: `mlflow-artifacts:/${run.projectId}/${run.id}/artifacts`, files };
}
