import "server-only";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import {
  deployments,
  modelAliases,
  modelGateRules,
  modelVersionTags,
  modelVersions,
  promotionRequests,
  registeredModelTags,
  registeredModels,
  users,
} from "@/db/schema";
import { ForbiddenError, NotFoundError, SafeError, isUniqueViolation } from "@/lib/actions/safe-error";
import { recordAudit } from "@/lib/audit/service";
import type { Actor, ProjectRef } from "@/lib/auth/authorize";
import { artifactDigest } from "./digest";
import { getCurrentDeployment, getRunDataset, getRunMetrics, getRunSummary } from "./facts";
import { defaultGateRules, evaluateGates, type GateResult, type GateRule } from "./gates";
import { reservedAliases, type Environment } from "./schemas";
import { SourceError, parseModelSource, runsSource } from "./source";

// The model registry's rules: versions tied to runs, gates at request time, four eyes at decision
// time (here and in a database constraint), one deployment per environment (a partial unique index),
// rollback along the chain of previous deployments, aliases that follow environments.

export interface ModelRef {
  id: string;
  projectId: string;
  name: string;
}

export interface VersionRef {
  id: string;
  modelId: string;
  projectId: string;
  version: number;
  runId: string;
  artifactPath: string;
  artifactDigest: string | null;
}

type Who = Pick<Actor, "id" | "email" | "isAdmin">;

const modelColumns = { id: registeredModels.id, projectId: registeredModels.projectId, name: registeredModels.name };
const versionColumns = {
  id: modelVersions.id,
  modelId: modelVersions.modelId,
  projectId: modelVersions.projectId,
  version: modelVersions.version,
  runId: modelVersions.runId,
  artifactPath: modelVersions.artifactPath,
  artifactDigest: modelVersions.artifactDigest,
};

// ---- lookups ------------------------------------------------------------------------------------

/** A model by name, whatever its project (the MLflow API names models without one). */
export async function findModelByName(db: Db | Tx, name: string): Promise<ModelRef | null> {
  const [row] = await db.select(modelColumns).from(registeredModels).where(eq(registeredModels.name, name));
  return row ?? null;
}

/** A model of this project by name, or 404. */
export async function requireModel(db: Db | Tx, project: { id: string }, name: string): Promise<ModelRef> {
  const [row] = await db
    .select(modelColumns)
    .from(registeredModels)
    .where(and(eq(registeredModels.projectId, project.id), eq(registeredModels.name, name)));
  if (!row) throw new NotFoundError(`This project has no model named "${name}".`);
  return row;
}

export async function requireVersion(db: Db | Tx, model: ModelRef, version: number): Promise<VersionRef> {
  const [row] = await db
    .select(versionColumns)
    .from(modelVersions)
    .where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.version, version)));
  if (!row) throw new NotFoundError(`Model ${model.name} has no version ${version}.`);
  return row;
}

// ---- registering --------------------------------------------------------------------------------

export interface CreateModelInput {
  name: string;
  description?: string;
  tags?: { key: string; value: string }[];
}

export class ModelExistsError extends SafeError {
  constructor(name: string) {
    super(`A registered model named "${name}" already exists. Model names are unique across Ferry.`, 409, "modelName");
    this.name = "ModelExistsError";
  }
}

export async function createRegisteredModel(db: Db, actor: Who, project: ProjectRef, input: CreateModelInput): Promise<ModelRef> {
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(registeredModels)
        .values({ projectId: project.id, name: input.name, description: input.description ?? "", createdBy: actor.id })
        .returning(modelColumns);
      const model = row!;
      if (input.tags?.length) await tx.insert(registeredModelTags).values(input.tags.map((t) => ({ modelId: model.id, key: t.key, value: t.value })));
      await tx.insert(modelGateRules).values(defaultGateRules.map((r) => ({ modelId: model.id, metric: r.metric, minValue: r.minValue, maxDrop: r.maxDrop, updatedBy: actor.id })));
      await recordAudit(tx, actor, {
        action: "model.create",
        subject: { type: "model", id: model.id },
        projectId: project.id,
        summary: `${actor.email} registered model ${input.name}`,
        after: { name: input.name, description: input.description ?? "" },
      });
      return model;
    });
  } catch (e) {
    if (isUniqueViolation(e, "registered_models_name_key")) throw new ModelExistsError(input.name);
    throw e;
  }
}

export interface CreateVersionInput {
  source: string;
  /** When given, it must be the run the source names. */
  runId?: string | null;
  description?: string;
  runLink?: string;
  tags?: { key: string; value: string }[];
}

/** Thrown for a source that names no run of this model's project or leaves the run's artifact root. */
export class InvalidSourceError extends SafeError {
  constructor(message: string) {
    super(message, 400, "source");
    this.name = "InvalidSourceError";
  }
}

export async function createModelVersion(db: Db, actor: Who, model: ModelRef, input: CreateVersionInput): Promise<VersionRef> {
  let parsed;
  try {
    parsed = parseModelSource(input.source);
  } catch (e) {
    if (e instanceof SourceError) throw new InvalidSourceError(e.message);
    throw e;
  }
  if (input.runId && input.runId !== parsed.runId) {
    throw new InvalidSourceError(`The source names run ${parsed.runId}, but run_id is ${input.runId}: they must be the same run.`);
  }
  const run = await getRunSummary(db, parsed.runId);
  if (!run || run.projectId !== model.projectId) {
    throw new InvalidSourceError(`Run ${parsed.runId} does not exist in the project of model ${model.name}.`);
  }
  if (parsed.experimentId !== null && parsed.experimentId !== run.projectId) {
    throw new InvalidSourceError(`The source names experiment ${parsed.experimentId}, but run ${run.id} belongs to experiment ${run.projectId}.`);
  }
  const artifactPath = parsed.segments.join("/");
  const { digest, files } = await artifactDigest(run.id, parsed.segments);
  if (files === 0) {
    throw new InvalidSourceError(`Run ${run.name} has no files under '${artifactPath || "/"}': log the model to the run first (e.g. mlflow.<flavor>.log_model), then register it.`);
  }
  return db.transaction(async (tx) => {
    // The model row lock serializes numbering: two concurrent registrations get 1 and 2.
    await lockModel(tx, model.id);
    const [{ next }] = (await tx
      .select({ next: sql<number>`coalesce(max(${modelVersions.version}), 0) + 1` })
      .from(modelVersions)
      .where(eq(modelVersions.modelId, model.id))) as [{ next: number }];
    const [row] = await tx
      .insert(modelVersions)
      .values({
        projectId: model.projectId,
        modelId: model.id,
        version: Number(next),
        runId: run.id,
        source: input.source.trim(),
        artifactPath,
        artifactDigest: digest,
        artifactFiles: files,
        runLink: input.runLink ?? "",
        description: input.description ?? "",
        createdBy: actor.id,
      })
      .returning(versionColumns);
    const version = row!;
    if (input.tags?.length) await tx.insert(modelVersionTags).values(input.tags.map((t) => ({ versionId: version.id, key: t.key, value: t.value })));
    await tx.update(registeredModels).set({ updatedAt: new Date() }).where(eq(registeredModels.id, model.id));
    await recordAudit(tx, actor, {
      action: "model_version.create",
      subject: { type: "model_version", id: version.id },
      projectId: model.projectId,
      summary: `${actor.email} registered version ${version.version} of ${model.name} from run ${run.name}`,
      after: { model: model.name, version: version.version, runId: run.id, source: runsSource(run.id, parsed.segments), artifactDigest: digest, files },
    });
    return version;
  });
}

/** The run page's "Register model": a finished run's artifacts become a new version (and the model, if new). */
export async function registerVersionFromRun(
  db: Db,
  actor: Who,
  project: ProjectRef,
  input: { runId: string; modelName: string; artifactPath: string; description: string },
): Promise<{ model: ModelRef; version: VersionRef }> {
  const run = await getRunSummary(db, input.runId);
  if (!run || run.projectId !== project.id) throw new NotFoundError("This project has no such run.");
  if (run.status !== "FINISHED") {
    throw new SafeError(`Run ${run.name} is ${run.status.toLowerCase()}: register models from runs that finished successfully.`, 409);
  }
  const path = input.artifactPath.replace(/^\/+|\/+$/g, "");
  const source = path ? `runs:/${run.id}/${path}` : `runs:/${run.id}`;
  try {
    parseModelSource(source);
  } catch (e) {
    if (e instanceof SourceError) throw new SafeError(e.message, 400, "artifactPath");
    throw e;
  }
  let model = await findModelByName(db, input.modelName);
  if (model && model.projectId !== project.id) throw new ModelExistsError(input.modelName);
  if (!model) {
    try {
      model = await createRegisteredModel(db, actor, project, { name: input.modelName });
    } catch (e) {
      // Someone created it meanwhile: use it if it is this project's.
      if (!(e instanceof ModelExistsError)) throw e;
      model = await findModelByName(db, input.modelName);
      if (!model || model.projectId !== project.id) throw e;
    }
  }
  const version = await createModelVersion(db, actor, model, { source, runId: run.id, description: input.description });
  return { model, version };
}

// ---- gates --------------------------------------------------------------------------------------

export async function getGateRules(db: Db | Tx, modelId: string): Promise<GateRule[]> {
  return db
    .select({ metric: modelGateRules.metric, minValue: modelGateRules.minValue, maxDrop: modelGateRules.maxDrop })
    .from(modelGateRules)
    .where(eq(modelGateRules.modelId, modelId))
    .orderBy(modelGateRules.metric);
}

export async function setGateRules(db: Db, actor: Who, model: ModelRef, rules: GateRule[]): Promise<void> {
  await db.transaction(async (tx) => {
    await lockModel(tx, model.id);
    const before = await getGateRules(tx, model.id);
    await tx.delete(modelGateRules).where(eq(modelGateRules.modelId, model.id));
    if (rules.length) {
      await tx.insert(modelGateRules).values(rules.map((r) => ({ modelId: model.id, metric: r.metric, minValue: r.minValue, maxDrop: r.maxDrop, updatedBy: actor.id })));
    }
    await recordAudit(tx, actor, {
      action: "model.gates.update",
      subject: { type: "model", id: model.id },
      projectId: model.projectId,
      summary: `${actor.email} changed the promotion gates of ${model.name} (${rules.length} rule${rules.length === 1 ? "" : "s"})`,
      before: { rules: before },
      after: { rules },
    });
  });
}

/** The gates for promoting `version`, from the facts as they are now. */
export async function evaluateVersionGates(db: Db | Tx, model: ModelRef, version: VersionRef): Promise<GateResult[]> {
  return evaluateRunGates(db, model, version.runId);
}

/** The gates a version made by `runId` would meet now (a pipeline evaluates before it registers). */
export async function evaluateRunGates(db: Db | Tx, model: ModelRef, runId: string): Promise<GateResult[]> {
  const [run, dataset, metrics, rules, production] = await Promise.all([
    getRunSummary(db, runId),
    getRunDataset(db, runId),
    getRunMetrics(db, runId),
    getGateRules(db, model.id),
    getCurrentDeployment(db, model.id, "production"),
  ]);
  const yardstick = production ? { version: production.version, metrics: await getRunMetrics(db, production.runId) } : null;
  return evaluateGates({
    run: { name: run?.name ?? runId, status: run?.status ?? "FAILED" },
    dataset: dataset ? { label: `Dataset ${dataset.dataset} v${dataset.version}`, validation: dataset.validationStatus } : null,
    metrics,
    production: yardstick,
    rules,
  });
}

// ---- promotion requests -------------------------------------------------------------------------

export interface PromotionOutcome {
  id: string;
  status: "pending" | "blocked" | "approved" | "rejected" | "void";
  gates: GateResult[];
}

function runNotPromotable(runName: string, status: string, lifecycleStage = "active"): SafeError | null {
  if (lifecycleStage !== "active") return new SafeError(`Run ${runName} was deleted: restore it before promoting a version it made.`, 409, "version");
  if (status === "FINISHED") return null;
  if (status === "RUNNING" || status === "SCHEDULED") return new SafeError(`Run ${runName} has not finished yet: promote versions of runs that finished successfully.`, 409, "version");
  return new SafeError(`Run ${runName} ${status === "KILLED" ? "was killed" : "failed"}: a version made by a run that did not succeed cannot be promoted.`, 409, "version");
}

export async function requestPromotion(
  db: Db,
  actor: Who,
  model: ModelRef,
  input: { version: number; environment: Environment; justification: string },
): Promise<PromotionOutcome> {
  const version = await requireVersion(db, model, input.version);
  const run = await getRunSummary(db, version.runId);
  const refusal = runNotPromotable(run?.name ?? version.runId, run?.status ?? "FAILED", run?.lifecycleStage);
  if (refusal) throw refusal;
  const current = await getCurrentDeployment(db, model.id, input.environment);
  if (current?.versionId === version.id) throw new SafeError(`Version ${version.version} is already in ${input.environment}.`, 409, "version");
  const gates = await evaluateVersionGates(db, model, version);
  const gatesPassed = gates.every((g) => g.passed);
  const status = gatesPassed ? "pending" : "blocked";
  try {
    return await db.transaction(async (tx) => {
      // The digest the approval will compare with: the files as they are now, hashed under the
      // version's lock (a stored digest can lag behind an upload that raced its hook).
      const locked = await lockVersion(tx, version.id);
      const { digest, files } = await artifactDigest(locked.runId, splitPath(locked.artifactPath));
      if (digest !== locked.artifactDigest) await recordDigestChange(tx, model, locked, digest, files);
      const [row] = await tx
        .insert(promotionRequests)
        .values({
          projectId: model.projectId,
          modelId: model.id,
          versionId: version.id,
          environment: input.environment,
          justification: input.justification,
          status,
          gates,
          gatesPassed,
          artifactDigest: digest,
          requestedBy: actor.id,
        })
        .returning({ id: promotionRequests.id });
      const failed = gates.filter((g) => !g.passed);
      await recordAudit(tx, actor, {
        action: "promotion.request",
        subject: { type: "promotion_request", id: row!.id },
        projectId: model.projectId,
        summary: `${actor.email} requested ${input.environment} for ${model.name} version ${version.version}: ${
          gatesPassed ? `all ${gates.length} gates passed` : `${failed.length} of ${gates.length} gates failed (${failed.map((g) => g.name).join("; ")})`
        }`,
        after: { model: model.name, version: version.version, environment: input.environment, justification: input.justification, status, gates },
      });
      return { id: row!.id, status, gates };
    });
  } catch (e) {
    if (isUniqueViolation(e, "promotion_requests_open_key")) {
      throw new SafeError(`Version ${version.version} already has an open request for ${input.environment}. Decide or withdraw it first.`, 409, "version");
    }
    throw e;
  }
}

export interface RequestRow {
  id: string;
  projectId: string;
  modelId: string;
  versionId: string;
  version: number;
  runId: string;
  environment: Environment;
  status: PromotionOutcome["status"];
  requestedBy: string;
  gatesPassed: boolean;
  artifactDigest: string | null;
  gates: GateResult[];
}

async function lockRequest(tx: Tx, model: ModelRef, requestId: string): Promise<RequestRow> {
  const [row] = await tx
    .select({
      id: promotionRequests.id,
      projectId: promotionRequests.projectId,
      modelId: promotionRequests.modelId,
      versionId: promotionRequests.versionId,
      version: modelVersions.version,
      runId: modelVersions.runId,
      environment: promotionRequests.environment,
      status: promotionRequests.status,
      requestedBy: promotionRequests.requestedBy,
      gatesPassed: promotionRequests.gatesPassed,
      artifactDigest: promotionRequests.artifactDigest,
      gates: promotionRequests.gates,
    })
    .from(promotionRequests)
    .innerJoin(modelVersions, eq(modelVersions.id, promotionRequests.versionId))
    .where(and(eq(promotionRequests.id, requestId), eq(promotionRequests.modelId, model.id), eq(promotionRequests.projectId, model.projectId)))
    .for("update", { of: promotionRequests });
  if (!row) throw new NotFoundError(`Model ${model.name} has no such promotion request.`);
  return row;
}

async function deciderName(db: Db | Tx, requestId: string): Promise<string> {
  const [row] = await db
    .select({ email: users.email })
    .from(promotionRequests)
    .innerJoin(users, eq(users.id, promotionRequests.decidedBy))
    .where(eq(promotionRequests.id, requestId));
  return row?.email ?? "someone else";
}

async function alreadyClosed(db: Db | Tx, row: Pick<RequestRow, "id" | "status">): Promise<SafeError> {
  if (row.status === "void") return new SafeError("This request was voided or withdrawn; it can no longer be decided.", 409);
  return new SafeError(`This request was already ${row.status} by ${await deciderName(db, row.id)}.`, 409);
}

export class FourEyesError extends ForbiddenError {
  constructor(what: "approve" | "reject") {
    super(`Four eyes: you cannot ${what} your own promotion request, admins included. Another ops engineer or admin must decide it.`);
    this.name = "FourEyesError";
  }
}

/**
 * Approves a pending request and deploys its version. Exactly one of two concurrent decisions wins:
 * the request row is locked, re-read, and moved from pending with a conditional update. A version
 * whose artifacts changed since the request voids it instead.
 */
export async function approvePromotion(db: Db, actor: Who, model: ModelRef, requestId: string, reason: string): Promise<PromotionOutcome> {
  const result = await db.transaction(async (tx) => {
    // Locks in the order every path keeps — version, request, model — so none waits in a cycle.
    // The version's lock is the upload hook's too: an upload either voids this request before it
    // is approved, or is recorded after. The model's lock keeps a rollback from slipping in between
    // the "already current" check below and the deployment.
    const [head] = await tx
      .select({ versionId: promotionRequests.versionId })
      .from(promotionRequests)
      .where(and(eq(promotionRequests.id, requestId), eq(promotionRequests.modelId, model.id), eq(promotionRequests.projectId, model.projectId)));
    if (!head) throw new NotFoundError(`Model ${model.name} has no such promotion request.`);
    const version = await lockVersion(tx, head.versionId);
    const req = await lockRequest(tx, model, requestId);
    if (req.requestedBy === actor.id) throw new FourEyesError("approve");
    await lockModel(tx, model.id);
    if (req.status === "blocked") {
      throw new SafeError("This request is blocked by failed gates. An admin can override them with a recorded reason, or it can be rejected.", 409);
    }
    if (req.status !== "pending") throw await alreadyClosed(tx, req);
    const run = await getRunSummary(tx, req.runId);
    const refusal = runNotPromotable(run?.name ?? req.runId, run?.status ?? "FAILED", run?.lifecycleStage);
    if (refusal) throw refusal;
    // Requested while another version was current, and this one became current since (a rollback):
    // approving would deploy it over itself.
    const current = await getCurrentDeployment(tx, model.id, req.environment);
    if (current?.versionId === req.versionId) {
      throw new SafeError(`Version ${req.version} is already in ${req.environment}. Reject or withdraw this request.`, 409);
    }
    const { digest } = await artifactDigest(req.runId, splitPath(version.artifactPath));
    if (digest !== req.artifactDigest) {
      await voidRequest(tx, actor, model, req, `the artifacts of version ${req.version} changed since the request (digest ${short(req.artifactDigest)} → ${short(digest)})`);
      return { voided: true as const };
    }
    const [updated] = await tx
      .update(promotionRequests)
      .set({ status: "approved", decidedBy: actor.id, decidedAt: new Date(), decisionReason: reason })
      .where(and(eq(promotionRequests.id, req.id), eq(promotionRequests.status, "pending")))
      .returning({ id: promotionRequests.id });
    if (!updated) throw await alreadyClosed(tx, req);
    await recordAudit(tx, actor, {
      action: "promotion.approve",
      subject: { type: "promotion_request", id: req.id },
      projectId: model.projectId,
      summary: `${actor.email} approved ${req.environment} for ${model.name} version ${req.version}: ${reason}`,
      after: { model: model.name, version: req.version, environment: req.environment, reason },
    });
    await deploy(tx, actor, model, { environment: req.environment, versionId: req.versionId, version: req.version, kind: "promotion", requestId: req.id, reason });
    return { voided: false as const, gates: req.gates };
  });
  if (result.voided) {
    throw new SafeError("The model version's artifacts changed after this request was made, so the request was voided. Request the promotion again to re-run the gates.", 409);
  }
  return { id: requestId, status: "approved", gates: result.gates };
}

export async function rejectPromotion(db: Db, actor: Who, model: ModelRef, requestId: string, reason: string): Promise<PromotionOutcome> {
  return db.transaction(async (tx) => {
    const req = await lockRequest(tx, model, requestId);
    if (req.requestedBy === actor.id) throw new FourEyesError("reject");
    if (req.status !== "pending" && req.status !== "blocked") throw await alreadyClosed(tx, req);
    await tx
      .update(promotionRequests)
      .set({ status: "rejected", decidedBy: actor.id, decidedAt: new Date(), decisionReason: reason })
      .where(eq(promotionRequests.id, req.id));
    await recordAudit(tx, actor, {
      action: "promotion.reject",
      subject: { type: "promotion_request", id: req.id },
      projectId: model.projectId,
      summary: `${actor.email} rejected ${req.environment} for ${model.name} version ${req.version}: ${reason}`,
      after: { model: model.name, version: req.version, environment: req.environment, reason },
    });
    return { id: req.id, status: "rejected", gates: req.gates };
  });
}

/** An admin lets a request with failed gates go to approval, with a recorded reason (approval still needs four eyes). */
export async function overrideGates(db: Db, actor: Who, model: ModelRef, requestId: string, reason: string): Promise<PromotionOutcome> {
  if (!actor.isAdmin) throw new ForbiddenError("Only an admin can override failed gates.");
  return db.transaction(async (tx) => {
    const req = await lockRequest(tx, model, requestId);
    if (req.requestedBy === actor.id) throw new ForbiddenError("Four eyes: you cannot override the gates of your own request. Another admin must do it.");
    if (req.status !== "blocked") {
      throw new SafeError(req.status === "pending" ? "This request's gates all passed: there is nothing to override." : (await alreadyClosed(tx, req)).message, 409);
    }
    await tx
      .update(promotionRequests)
      .set({ status: "pending", overriddenBy: actor.id, overriddenAt: new Date(), overrideReason: reason })
      .where(eq(promotionRequests.id, req.id));
    const failed = req.gates.filter((g) => !g.passed).map((g) => g.name);
    await recordAudit(tx, actor, {
      action: "promotion.override",
      subject: { type: "promotion_request", id: req.id },
      projectId: model.projectId,
      summary: `${actor.email} overrode the failed gates (${failed.join("; ")}) of ${model.name} version ${req.version} for ${req.environment}: ${reason}`,
      after: { model: model.name, version: req.version, environment: req.environment, reason, failedGates: failed },
    });
    return { id: req.id, status: "pending", gates: req.gates };
  });
}

/** The requester takes back an open request. */
export async function withdrawPromotion(db: Db, actor: Who, model: ModelRef, requestId: string, reason?: string): Promise<PromotionOutcome> {
  return db.transaction(async (tx) => {
    const req = await lockRequest(tx, model, requestId);
    if (req.requestedBy !== actor.id) throw new ForbiddenError("Only the requester can withdraw a request; others approve or reject it.");
    if (req.status !== "pending" && req.status !== "blocked") throw await alreadyClosed(tx, req);
    await voidRequest(tx, actor, model, req, reason ? `withdrawn by the requester: ${reason}` : "withdrawn by the requester");
    await tx.update(promotionRequests).set({ requesterSeenAt: new Date() }).where(eq(promotionRequests.id, req.id));
    return { id: req.id, status: "void", gates: req.gates };
  });
}

async function voidRequest(tx: Tx, actor: Who | null, model: ModelRef, req: Pick<RequestRow, "id" | "version" | "environment">, why: string) {
  await tx.update(promotionRequests).set({ status: "void", voidReason: why }).where(eq(promotionRequests.id, req.id));
  await recordAudit(tx, actor ? { id: actor.id, email: actor.email } : null, {
    action: "promotion.void",
    subject: { type: "promotion_request", id: req.id },
    projectId: model.projectId,
    summary: `Request for ${req.environment} of ${model.name} version ${req.version} voided: ${why}`,
    after: { model: model.name, version: req.version, environment: req.environment, reason: why },
  });
}

const short = (d: string | null) => (d ? d.slice(0, 12) : "none");
const splitPath = (p: string) => (p ? p.split("/") : []);

// ---- deployments --------------------------------------------------------------------------------

/** Deployments of one model are serialized on its row, so two approvals never race on the environment. */
async function lockModel(tx: Tx, modelId: string): Promise<void> {
  await tx.execute(sql`select 1 from ${registeredModels} where ${registeredModels.id} = ${modelId} for update`);
}

async function deploy(
  tx: Tx,
  actor: Who,
  model: ModelRef,
  d: { environment: Environment; versionId: string; version: number; kind: "promotion" | "rollback"; requestId: string | null; reason: string; previousId?: string | null },
): Promise<void> {
  await lockModel(tx, model.id);
  const now = new Date();
  const [ended] = await tx
    .update(deployments)
    .set({ endedAt: now })
    .where(and(eq(deployments.modelId, model.id), eq(deployments.environment, d.environment), isNull(deployments.endedAt)))
    .returning({ id: deployments.id, versionId: deployments.versionId });
  const previousId = d.kind === "rollback" ? (d.previousId ?? null) : (ended?.id ?? null);
  await tx.insert(deployments).values({
    projectId: model.projectId,
    modelId: model.id,
    environment: d.environment,
    versionId: d.versionId,
    kind: d.kind,
    requestId: d.requestId,
    previousId,
    reason: d.reason,
    actorId: actor.id,
    startedAt: now,
  });
  await tx
    .insert(modelAliases)
    .values({ modelId: model.id, alias: d.environment, versionId: d.versionId, updatedAt: now })
    .onConflictDoUpdate({ target: [modelAliases.modelId, modelAliases.alias], set: { versionId: d.versionId, updatedAt: now } });
  await tx.update(registeredModels).set({ updatedAt: now }).where(eq(registeredModels.id, model.id));
  await recordAudit(tx, actor, {
    action: d.kind === "promotion" ? "deployment.promote" : "deployment.rollback",
    subject: { type: "model", id: model.id },
    projectId: model.projectId,
    summary:
      d.kind === "promotion"
        ? `${model.name} version ${d.version} is now in ${d.environment}`
        : `${actor.email} rolled ${d.environment} of ${model.name} back to version ${d.version}: ${d.reason}`,
    after: { model: model.name, environment: d.environment, version: d.version, reason: d.reason, alias: d.environment },
  });
}

/** Restores the version that was current before the current deployment, with a reason. */
export async function rollbackEnvironment(
  db: Db,
  actor: Who,
  model: ModelRef,
  environment: Environment,
  input: { reason: string; fromVersion?: number },
): Promise<{ version: number; previousVersion: number }> {
  return db.transaction(async (tx) => {
    await lockModel(tx, model.id);
    const [current] = await tx
      .select({ id: deployments.id, previousId: deployments.previousId, version: modelVersions.version })
      .from(deployments)
      .innerJoin(modelVersions, eq(modelVersions.id, deployments.versionId))
      .where(and(eq(deployments.modelId, model.id), eq(deployments.environment, environment), isNull(deployments.endedAt)))
      .for("update", { of: deployments });
    if (!current) throw new SafeError(`Nothing is deployed to ${environment} for ${model.name}, so there is nothing to roll back.`, 409);
    if (input.fromVersion !== undefined && input.fromVersion !== current.version) {
      throw new SafeError(`${environment} changed meanwhile: it now runs version ${current.version}, not ${input.fromVersion}. Reload and check before rolling back.`, 409);
    }
    if (!current.previousId) throw new SafeError(`Version ${current.version} is the first version deployed to ${environment}: there is no previous version to roll back to.`, 409);
    const [target] = await tx
      .select({ versionId: deployments.versionId, previousId: deployments.previousId, version: modelVersions.version })
      .from(deployments)
      .innerJoin(modelVersions, eq(modelVersions.id, deployments.versionId))
      .where(eq(deployments.id, current.previousId));
    if (!target) throw new SafeError(`The previous deployment of ${environment} no longer exists.`, 409);
    await deploy(tx, actor, model, {
      environment,
      versionId: target.versionId,
      version: target.version,
      kind: "rollback",
      requestId: null,
      reason: input.reason,
      previousId: target.previousId,
    });
    return { version: target.version, previousVersion: current.version };
  });
}

// ---- aliases ------------------------------------------------------------------------------------

export class ReservedAliasError extends ForbiddenError {
  constructor(alias: string) {
    super(
      `The '${alias}' alias follows the ${alias} environment and moves only through an approved promotion request (or a rollback). Request a promotion in Ferry (POST /api/v1/projects/<project>/models/<name>/promotions) instead.`,
    );
    this.name = "ReservedAliasError";
  }
}

export function isReservedAlias(alias: string): boolean {
  return reservedAliases.includes(alias.toLowerCase());
}

export async function setAlias(db: Db, actor: Who, model: ModelRef, alias: string, version: number): Promise<void> {
  if (isReservedAlias(alias)) throw new ReservedAliasError(alias.toLowerCase());
  const v = await requireVersion(db, model, version);
  await db.transaction(async (tx) => {
    await tx
      .insert(modelAliases)
      .values({ modelId: model.id, alias, versionId: v.id })
      .onConflictDoUpdate({ target: [modelAliases.modelId, modelAliases.alias], set: { versionId: v.id, updatedAt: new Date() } });
    await recordAudit(tx, actor, {
      action: "model.alias.set",
      subject: { type: "model", id: model.id },
      projectId: model.projectId,
      summary: `${actor.email} pointed alias ${alias} of ${model.name} at version ${version}`,
      after: { alias, version },
    });
  });
}

export async function deleteAlias(db: Db, actor: Who, model: ModelRef, alias: string): Promise<void> {
  if (isReservedAlias(alias)) throw new ReservedAliasError(alias.toLowerCase());
  await db.transaction(async (tx) => {
    const deleted = await tx
      .delete(modelAliases)
      .where(and(eq(modelAliases.modelId, model.id), eq(modelAliases.alias, alias)))
      .returning({ alias: modelAliases.alias });
    if (deleted.length) {
      await recordAudit(tx, actor, {
        action: "model.alias.delete",
        subject: { type: "model", id: model.id },
        projectId: model.projectId,
        summary: `${actor.email} removed alias ${alias} of ${model.name}`,
        before: { alias },
      });
    }
  });
}

// ---- artifacts changing under a version ---------------------------------------------------------

/**
 * Called after a run's artifacts change: versions of that run whose files changed get their new
 * digest, and their open promotion requests are voided (DESIGN §6).
 */
export async function onRunArtifactsChanged(db: Db, runId: string, changedPath?: readonly string[]): Promise<number> {
  const versions = await db
    .select({ ...versionColumns, name: registeredModels.name })
    .from(modelVersions)
    .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId))
    .where(eq(modelVersions.runId, runId));
  let changed = 0;
  const path = changedPath?.join("/");
  // Only versions whose directory holds the changed file are hashed again (model files can be large).
  const affected = versions.filter((v) => path === undefined || v.artifactPath === "" || path === v.artifactPath || path.startsWith(`${v.artifactPath}/`));
  for (const v of affected) {
    const model = { id: v.modelId, projectId: v.projectId, name: v.name };
    // Hashed under the version's row lock: two overlapping uploads cannot store an older digest last.
    const didChange = await db.transaction(async (tx) => {
      const current = await lockVersion(tx, v.id);
      const { digest, files } = await artifactDigest(runId, splitPath(current.artifactPath));
      if (digest === current.artifactDigest) return false;
      await recordDigestChange(tx, model, current, digest, files);
      return true;
    });
    if (didChange) changed++;
  }
  return changed;
}

async function lockVersion(tx: Tx, versionId: string): Promise<VersionRef> {
  // NO KEY UPDATE: exclusive among the paths that hash a version's files, yet compatible with the
  // KEY SHARE locks of foreign keys (a rollback inserting a deployment of this version while it
  // holds the model lock must not wait on it: that would be a cycle with an approval).
  const [row] = await tx.select(versionColumns).from(modelVersions).where(eq(modelVersions.id, versionId)).for("no key update");
  if (!row) throw new NotFoundError("This model version no longer exists.");
  return row;
}

/** Stores a version's new digest and voids its open promotion requests (DESIGN §6). Caller holds the version's row lock. */
async function recordDigestChange(tx: Tx, model: ModelRef, v: VersionRef, digest: string | null, files: number): Promise<void> {
  await tx.update(modelVersions).set({ artifactDigest: digest, artifactFiles: files, updatedAt: new Date() }).where(eq(modelVersions.id, v.id));
  await recordAudit(tx, null, {
    action: "model_version.artifacts_changed",
    subject: { type: "model_version", id: v.id },
    projectId: v.projectId,
    summary: `The artifacts of ${model.name} version ${v.version} changed (digest ${short(v.artifactDigest)} → ${short(digest)})`,
    before: { artifactDigest: v.artifactDigest },
    after: { artifactDigest: digest, files },
  });
  const open = await tx
    .select({ id: promotionRequests.id, environment: promotionRequests.environment })
    .from(promotionRequests)
    .where(and(eq(promotionRequests.versionId, v.id), inArray(promotionRequests.status, ["pending", "blocked"])))
    .for("update");
  for (const r of open) {
    await voidRequest(tx, null, model, { id: r.id, version: v.version, environment: r.environment }, `the artifacts of version ${v.version} changed after the request`);
  }
}

// ---- notifications ------------------------------------------------------------------------------

/** The requester has seen the decisions on their requests (clears their badge). */
export async function markDecisionsSeen(db: Db, actor: Pick<Actor, "id">): Promise<void> {
  await db
    .update(promotionRequests)
    .set({ requesterSeenAt: new Date() })
    .where(
      and(
        eq(promotionRequests.requestedBy, actor.id),
        inArray(promotionRequests.status, ["approved", "rejected", "void"]),
        isNull(promotionRequests.requesterSeenAt),
      ),
    );
}
