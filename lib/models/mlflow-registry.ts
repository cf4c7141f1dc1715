import "server-only";
import { z } from "zod";
import { ForbiddenError, NotFoundError } from "@/lib/actions/safe-error";
import { authorizeActor, type ProjectAuthContext, type ProjectScope } from "@/lib/auth/authorize";
import { can } from "@/lib/auth/permissions";
import { listProjectsForActor } from "@/lib/projects/queries";
import { MlflowError, invalid, notFound, parse } from "@/lib/tracking/errors";
import type { MlflowCall, MlflowRoute } from "@/lib/tracking/http";
import { decodePageToken, encodePageToken } from "@/lib/tracking/search-filter";
import { parseInt64, validateKey, validateTagValue } from "@/lib/tracking/validation";
import {
  getAliasVersion,
  getLatestVersionId,
  getMlflowModelVersions,
  getMlflowRegisteredModels,
  modelFilterAttributes,
  parseRegistryFilter,
  parseRegistryOrderBy,
  searchModelVersionIds,
  searchRegisteredModelIds,
  versionFilterAttributes,
} from "./mlflow-queries";
import { modelNameSchema } from "./schemas";
import {
  ModelExistsError,
  createModelVersion,
  createRegisteredModel,
  deleteAlias,
  findModelByName,
  isReservedAlias,
  requireVersion,
  setAlias,
  ReservedAliasError,
  type ModelRef,
  type VersionRef,
} from "./service";
import { SourceError, parseModelSource } from "./source";

// MLflow's model registry REST API (mlflow/protos/model_registry.proto, ModelRegistryService),
// answered under /api/2.0/mlflow/ next to the tracking API. Request fields, response shapes and
// error codes follow MLflow; who may do what follows Ferry's permission matrix, and the `staging`
// and `production` aliases move only through approved promotion requests.

type Call = MlflowCall;

/** Names the project of a model created through the API (MLflow's create names none). */
export const PROJECT_TAG = "ferry.project";

const MAX_DESCRIPTION = 5000; // MLflow's column size for descriptions
const MAX_RUN_LINK = 500; // MLflow's column size for run_link
const MAX_ALIAS = 255; // MAX_REGISTERED_MODEL_ALIAS_LENGTH
const MODELS_PAGE_DEFAULT = 100; // SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT
const MODELS_PAGE_MAX = 1000; // SEARCH_REGISTERED_MODEL_MAX_RESULTS_THRESHOLD
// SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT; MLflow's threshold is 200,000, Ferry's (like Databricks') 10,000.
const VERSIONS_PAGE_DEFAULT = 10_000;
const VERSIONS_PAGE_MAX = 10_000;

// ---- input --------------------------------------------------------------------------------------

function requiredString(input: Record<string, unknown>, field: string): string {
  const v = input[field];
  if (v === undefined || v === null || v === "") throw invalid(`Missing value for required parameter '${field}'.`);
  if (typeof v !== "string") throw invalid(`Invalid value ${JSON.stringify(v)} for parameter '${field}' supplied: it must be a string.`);
  return v;
}

/** Model names as Ferry allows them (a subset of MLflow's), with modelNameSchema's message. */
function modelName(input: Record<string, unknown>): string {
  const raw = requiredString(input, "name");
  const r = modelNameSchema.safeParse(raw);
  if (!r.success) throw invalid(`Invalid model name '${raw.slice(0, 200)}': ${r.error.issues[0]!.message}`);
  return r.data;
}

/** MLflow's _validate_model_version: versions are integers, sent as strings or numbers. */
function versionNumber(input: Record<string, unknown>): number {
  const v = input.version;
  if (v === undefined || v === null || v === "") throw invalid("Missing value for required parameter 'version'.");
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw invalid(`Parameter 'version' must be an integer, got '${String(v).slice(0, 100)}'.`);
  // Versions are int4 in the database: anything larger cannot exist.
  if (n > 2_147_483_647) throw invalid(`Parameter 'version' is out of range: ${n}.`);
  return n;
}

/** MLflow's _validate_model_alias_name (mlflow/utils/validation.py). */
function aliasName(alias: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(alias)) {
    throw invalid(`Invalid alias name: '${alias.slice(0, 300)}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`);
  }
  if (alias.length > MAX_ALIAS) throw invalid(`'Registered model alias name' exceeds the maximum length of ${MAX_ALIAS} characters`);
  if (alias.toLowerCase() === "latest") throw invalid("'latest' alias name (case insensitive) is reserved.");
  if (/^[vV]\d+$/.test(alias)) throw invalid(`Version alias name '${alias}' is reserved.`);
  return alias;
}

const tagsSchema = z.array(z.object({ key: z.unknown(), value: z.unknown() })).max(100, "at most 100 tags").nullish();

/** MLflow's _validate_registered_model_tag / _validate_model_version_tag; a repeated key keeps its last value, as in MLflow. */
function validTags(tags: z.infer<typeof tagsSchema>): { key: string; value: string }[] {
  const byKey = new Map<string, string>();
  for (const t of tags ?? []) {
    const key = validateKey("tag", t.key);
    byKey.set(key, validateTagValue(key, t.value));
  }
  return [...byKey].map(([key, value]) => ({ key, value }));
}

// Optional fields may come as null from JSON clients: the same as absent.
const optionalText = (max: number, what: string) =>
  z
    .string()
    .max(max, `${what} is at most ${max} characters`)
    .nullish()
    .transform((v) => v ?? undefined);

// ---- authorization ------------------------------------------------------------------------------

const modelNotFound = (name: string) => notFound(`Registered Model with name=${name} not found`);
const versionNotFound = (name: string, version: number) => notFound(`Model Version (name=${name}, version=${version}) not found`);

/**
 * The model named in the request, if the caller may read its project. A model in a project the
 * caller cannot read is answered exactly like a missing one, so names do not leak across projects.
 */
async function readableModel(call: Call, name: string): Promise<ModelRef> {
  const model = await findModelByName(call.db, name);
  if (!model) throw modelNotFound(name);
  try {
    await authorizeActor(call.db, call.actor, "projects.read", { projectId: model.projectId });
  } catch (e) {
    if (e instanceof ForbiddenError || e instanceof NotFoundError) throw modelNotFound(name);
    throw e;
  }
  return model;
}

/**
 * "models.register" in a project. A run token acts as its run's author, in its run's project only:
 * authorize() confines it to reading and logging, so the project is checked with the token and the
 * registration right with its author's persona there.
 */
async function authorizeRegister(call: Call, scope: ProjectScope): Promise<ProjectAuthContext> {
  const { actor } = call;
  if (!actor.runId) return authorizeActor(call.db, actor, "models.register", scope);
  const own = await authorizeActor(call.db, actor, "projects.read", scope);
  return authorizeActor(call.db, { ...actor, runId: null, runProjectId: null }, "models.register", { projectId: own.project.id });
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The project a new model goes to: the `ferry.project` tag (slug or id), else a run token's
 * project, else the one project where the caller may register models.
 */
async function projectForNewModel(call: Call, tags: { key: string; value: string }[]): Promise<ProjectAuthContext> {
  const named = tags.find((t) => t.key === PROJECT_TAG)?.value.trim();
  if (named) return authorizeRegister(call, uuidPattern.test(named) ? { projectId: named } : { projectSlug: named });
  if (call.actor.runProjectId) return authorizeRegister(call, { projectId: call.actor.runProjectId });
  const { actor } = call;
  const candidates = (await listProjectsForActor(call.db, actor)).filter((p) =>
    can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona: p.persona }, "models.register"),
  );
  if (candidates.length === 1) return authorizeRegister(call, { projectId: candidates[0]!.id });
  if (candidates.length === 0) {
    throw new MlflowError("PERMISSION_DENIED", "You are not allowed to register models in any project: it takes the data scientist or ML engineer persona in the model's project.");
  }
  const slugs = candidates.map((p) => p.slug);
  throw invalid(
    `You can register models in ${slugs.length} projects (${slugs.slice(0, 10).join(", ")}${slugs.length > 10 ? ", …" : ""}), so Ferry cannot tell which one this model belongs to. ` +
      `Add the tag ${PROJECT_TAG}=<project slug>, e.g. MlflowClient().create_registered_model(name, tags={"${PROJECT_TAG}": "${slugs[0]}"}), then register versions as usual.`,
  );
}

/** A run token registers versions from its own run only, and moves aliases of its own run's versions only. */
function ownRunOnly(call: Call, runId: string, what: string) {
  if (call.actor.runId && runId !== call.actor.runId) throw new MlflowError("PERMISSION_DENIED", `A run token can only ${what} its own run (${call.actor.runId}).`);
}

async function requireMlflowVersion(call: Call, model: ModelRef, version: number): Promise<VersionRef> {
  try {
    return await requireVersion(call.db, model, version);
  } catch (e) {
    if (e instanceof NotFoundError) throw versionNotFound(model.name, version);
    throw e;
  }
}

const renderModel = async (call: Call, id: string) => (await getMlflowRegisteredModels(call.db, [id]))[0]!;
const renderVersion = async (call: Call, id: string) => (await getMlflowModelVersions(call.db, [id]))[0]!;

// ---- registered models --------------------------------------------------------------------------

async function createModel(call: Call) {
  const name = modelName(call.input);
  const input = parse(z.object({ tags: tagsSchema, description: optionalText(MAX_DESCRIPTION, "description") }), call.input);
  const tags = validTags(input.tags);
  const exists = () => new MlflowError("RESOURCE_ALREADY_EXISTS", `Registered Model (name=${name}) already exists.`);
  // Before the project is resolved: mlflow.register_model() calls create without tags for a model
  // that may exist already, and carries on to create the version when told RESOURCE_ALREADY_EXISTS.
  if (await findModelByName(call.db, name)) throw exists();
  const ctx = await projectForNewModel(call, tags);
  let model: ModelRef;
  try {
    model = await createRegisteredModel(call.db, call.actor, ctx.project, { name, description: input.description, tags });
  } catch (e) {
    if (e instanceof ModelExistsError) throw exists();
    throw e;
  }
  return { registered_model: await renderModel(call, model.id) };
}

async function getModel(call: Call) {
  const model = await readableModel(call, requiredString(call.input, "name"));
  return { registered_model: await renderModel(call, model.id) };
}

/** The projects a search may see: the caller's, or a run token's own. */
async function searchableProjectIds(call: Call): Promise<string[]> {
  const ids = (await listProjectsForActor(call.db, call.actor)).map((p) => p.id);
  return call.actor.runId ? ids.filter((id) => id === call.actor.runProjectId) : ids;
}

function pageSize(input: Record<string, unknown>, fallback: number, max: number): number {
  const n = parseInt64("max_results", input.max_results === "" ? undefined : input.max_results, fallback);
  if (n > max) throw invalid(`Invalid value for request parameter max_results. It must be at most ${max}, but got value ${n}`);
  if (n < 1) throw invalid(`Invalid value for request parameter max_results. It must be at least 1, but got value ${n}`);
  return n;
}

/** order_by is repeated: query parameters for GET, a JSON array (or string) for POST. */
function orderByList(call: Call): string[] {
  const fromQuery = call.query.getAll("order_by");
  if (call.method === "GET") return fromQuery;
  const v = call.input.order_by;
  return Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : [];
}

function paged<T>(rows: T[], offset: number, max: number): { page: T[]; next_page_token?: string } {
  return rows.length > max ? { page: rows.slice(0, max), next_page_token: encodePageToken(offset + max) } : { page: rows };
}

async function searchModels(call: Call) {
  const max = pageSize(call.input, MODELS_PAGE_DEFAULT, MODELS_PAGE_MAX);
  const offset = decodePageToken(call.input.page_token as string | undefined);
  const clauses = parseRegistryFilter(call.input.filter as string | undefined, modelFilterAttributes);
  const orderBy = parseRegistryOrderBy(orderByList(call), {
    name: "name",
    timestamp: "last_updated_timestamp",
    last_updated_timestamp: "last_updated_timestamp",
    creation_timestamp: "creation_timestamp",
  });
  const ids = await searchRegisteredModelIds(call.db, { projectIds: await searchableProjectIds(call), clauses, orderBy, offset, limit: max });
  const { page, next_page_token } = paged(ids, offset, max);
  return { registered_models: await getMlflowRegisteredModels(call.db, page), ...(next_page_token ? { next_page_token } : {}) };
}

const stages = ["None", "Staging", "Production", "Archived"];

/** Ferry has no stages: every version is in stage "None", so the latest version is the answer for "None". */
async function getLatestVersions(call: Call) {
  const model = await readableModel(call, requiredString(call.input, "name"));
  const raw = call.method === "GET" ? call.query.getAll("stages") : (parse(z.object({ stages: z.array(z.string()).nullish() }), call.input).stages ?? []);
  const wanted = raw.map((s) => {
    const stage = stages.find((x) => x.toLowerCase() === s.toLowerCase());
    if (!stage) throw invalid(`Invalid Model Version stage: ${s}. Value must be one of ${stages.join(", ")}.`);
    return stage;
  });
  const latest = wanted.length === 0 || wanted.includes("None") ? await getLatestVersionId(call.db, model.id) : null;
  return { model_versions: latest ? await getMlflowModelVersions(call.db, [latest]) : [] };
}

// ---- model versions -----------------------------------------------------------------------------

async function createVersion(call: Call) {
  const name = requiredString(call.input, "name");
  const source = requiredString(call.input, "source");
  const input = parse(
    z.object({
      run_id: z.string().nullish(),
      tags: tagsSchema,
      run_link: optionalText(MAX_RUN_LINK, "run_link"),
      description: optionalText(MAX_DESCRIPTION, "description"),
    }),
    call.input,
  );
  const tags = validTags(input.tags);
  const model = await readableModel(call, name);
  await authorizeRegister(call, { projectId: model.projectId });
  if (call.actor.runId) {
    let sourceRun: string;
    try {
      sourceRun = parseModelSource(source).runId;
    } catch (e) {
      if (e instanceof SourceError) throw invalid(e.message);
      throw e;
    }
    ownRunOnly(call, sourceRun, "register model versions from");
  }
  const version = await createModelVersion(call.db, call.actor, model, {
    source,
    runId: input.run_id || null,
    description: input.description,
    runLink: input.run_link,
    tags,
  });
  return { model_version: await renderVersion(call, version.id) };
}

async function getVersion(call: Call) {
  const model = await readableModel(call, requiredString(call.input, "name"));
  const version = await requireMlflowVersion(call, model, versionNumber(call.input));
  return { model_version: await renderVersion(call, version.id) };
}

async function searchVersions(call: Call) {
  const max = pageSize(call.input, VERSIONS_PAGE_DEFAULT, VERSIONS_PAGE_MAX);
  const offset = decodePageToken(call.input.page_token as string | undefined);
  const clauses = parseRegistryFilter(call.input.filter as string | undefined, versionFilterAttributes);
  const orderBy = parseRegistryOrderBy(orderByList(call), {
    name: "name",
    version_number: "version_number",
    version: "version_number",
    creation_timestamp: "creation_timestamp",
    timestamp: "last_updated_timestamp",
    last_updated_timestamp: "last_updated_timestamp",
  });
  const ids = await searchModelVersionIds(call.db, { projectIds: await searchableProjectIds(call), clauses, orderBy, offset, limit: max });
  const { page, next_page_token } = paged(ids, offset, max);
  return { model_versions: await getMlflowModelVersions(call.db, page), ...(next_page_token ? { next_page_token } : {}) };
}

// ---- aliases ------------------------------------------------------------------------------------

/** The model and alias of an alias request; `production`/`staging` are refused before anything else is checked. */
async function aliasTarget(call: Call): Promise<{ model: ModelRef; alias: string }> {
  const model = await readableModel(call, requiredString(call.input, "name"));
  const alias = requiredString(call.input, "alias");
  if (isReservedAlias(alias)) throw new ReservedAliasError(alias.toLowerCase());
  return { model, alias };
}

async function setModelAlias(call: Call) {
  const { model, alias } = await aliasTarget(call);
  aliasName(alias);
  await authorizeRegister(call, { projectId: model.projectId });
  const version = await requireMlflowVersion(call, model, versionNumber(call.input));
  ownRunOnly(call, version.runId, "point aliases at versions of");
  // …and may not take over an alias that points at another run's version.
  const current = await getAliasVersion(call.db, model.id, alias);
  if (current) ownRunOnly(call, current.runId, "move aliases of versions of");
  await setAlias(call.db, call.actor, model, alias, version.version);
  return {};
}

async function deleteModelAlias(call: Call) {
  const { model, alias } = await aliasTarget(call);
  await authorizeRegister(call, { projectId: model.projectId });
  const current = await getAliasVersion(call.db, model.id, alias);
  if (current) ownRunOnly(call, current.runId, "remove aliases of versions of");
  await deleteAlias(call.db, call.actor, model, alias);
  return {};
}

/** GetModelVersionByAlias; `latest` is the newest version, as in MLflow. */
async function getVersionByAlias(call: Call) {
  const model = await readableModel(call, requiredString(call.input, "name"));
  const alias = requiredString(call.input, "alias");
  const id = alias.toLowerCase() === "latest" ? await getLatestVersionId(call.db, model.id) : (await getAliasVersion(call.db, model.id, alias))?.id;
  // MLflow answers a missing alias with INVALID_PARAMETER_VALUE and this message; clients match on it.
  if (!id) throw invalid(`Registered model alias ${alias} not found.`);
  return { model_version: await renderVersion(call, id) };
}

async function alias(call: Call) {
  if (call.method === "POST") return setModelAlias(call);
  if (call.method === "DELETE") return deleteModelAlias(call);
  return getVersionByAlias(call);
}

export const registryRoutes: Record<string, MlflowRoute> = {
  "registered-models/create": { method: "POST", handler: createModel },
  "registered-models/get": { method: "GET", handler: getModel },
  "registered-models/search": { method: "GET", handler: searchModels },
  "registered-models/get-latest-versions": { method: "GET|POST", handler: getLatestVersions },
  "registered-models/alias": { method: "GET|POST|DELETE", handler: alias },
  "model-versions/create": { method: "POST", handler: createVersion },
  "model-versions/get": { method: "GET", handler: getVersion },
  "model-versions/search": { method: "GET", handler: searchVersions },
};
