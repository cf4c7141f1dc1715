import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import type { Actor } from "@/lib/auth/authorize";
import { permissions } from "@/lib/auth/permissions";
import { getDeploymentAt, getRunDataset, getRunMetrics, type RunDataset } from "./facts";
import type { GateResult, GateRule } from "./gates";
import { getGateRules } from "./service";
import { environments, type Environment } from "./schemas";

// Reads for the model pages and the HTTP API. Every query is scoped to a project id the caller was
// authorized for (or, for the approvals queue, to the projects the caller may read).

const iso = (d: Date | string | null | undefined) => (d === null || d === undefined ? null : new Date(d).toISOString());

/** The metrics shown for every version and compared across versions (DESIGN §2.6). */
export const keyMetrics = ["accuracy", "precision", "recall", "f1", "roc_auc"] as const;

export interface EnvironmentState {
  version: number;
  since: string;
  by: string | null;
  reason: string;
  kind: "promotion" | "rollback";
}

export interface ModelListItem {
  name: string;
  description: string;
  versions: number;
  latestVersion: number | null;
  production: { version: number; since: string } | null;
  staging: { version: number; since: string } | null;
  openRequests: number;
  updatedAt: string;
}

export async function listModels(db: Db, projectId: string): Promise<ModelListItem[]> {
  const rows = await queryRows<{
    name: string;
    description: string;
    versions: number;
    latest: number | null;
    prod_version: number | null;
    prod_since: string | null;
    staging_version: number | null;
    staging_since: string | null;
    open_requests: number;
    updated_at: string;
  }>(
    db,
    sql`select m.name, m.description, m.updated_at,
          (select count(*)::int from model_versions v where v.model_id = m.id) as versions,
          (select max(v.version) from model_versions v where v.model_id = m.id) as latest,
          (select v.version from deployments d join model_versions v on v.id = d.version_id
             where d.model_id = m.id and d.environment = 'production' and d.ended_at is null) as prod_version,
          (select d.started_at from deployments d where d.model_id = m.id and d.environment = 'production' and d.ended_at is null) as prod_since,
          (select v.version from deployments d join model_versions v on v.id = d.version_id
             where d.model_id = m.id and d.environment = 'staging' and d.ended_at is null) as staging_version,
          (select d.started_at from deployments d where d.model_id = m.id and d.environment = 'staging' and d.ended_at is null) as staging_since,
          (select count(*)::int from promotion_requests r where r.model_id = m.id and r.status in ('pending', 'blocked')) as open_requests
        from registered_models m
        where m.project_id = ${projectId}
        order by m.updated_at desc, m.name`,
  );
  return rows.map((r) => ({
    name: r.name,
    description: r.description,
    versions: Number(r.versions),
    latestVersion: r.latest === null ? null : Number(r.latest),
    production: r.prod_version === null ? null : { version: Number(r.prod_version), since: iso(r.prod_since)! },
    staging: r.staging_version === null ? null : { version: Number(r.staging_version), since: iso(r.staging_since)! },
    openRequests: Number(r.open_requests),
    updatedAt: iso(r.updated_at)!,
  }));
}

export interface VersionRow {
  version: number;
  runId: string;
  runName: string;
  runStatus: string;
  source: string;
  artifactDigest: string | null;
  artifactFiles: number;
  description: string;
  createdAt: string;
  createdBy: string | null;
  aliases: string[];
  metrics: Partial<Record<(typeof keyMetrics)[number], number>>;
}

export interface ModelOverview {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  createdBy: string | null;
  versions: VersionRow[];
  environments: Record<Environment, EnvironmentState | null>;
  gateRules: GateRule[];
}

export async function getModelOverview(db: Db, projectId: string, name: string): Promise<ModelOverview | null> {
  const [model] = await queryRows<{ id: string; name: string; description: string; created_at: string; created_by: string | null }>(
    db,
    sql`select m.id, m.name, m.description, m.created_at, u.email as created_by
        from registered_models m left join users u on u.id = m.created_by
        where m.project_id = ${projectId} and m.name = ${name}`,
  );
  if (!model) return null;
  const versions = await queryRows<{
    version: number;
    run_id: string;
    run_name: string;
    run_status: string;
    source: string;
    artifact_digest: string | null;
    artifact_files: number;
    description: string;
    created_at: string;
    created_by: string | null;
    aliases: string[] | null;
    metrics: Record<string, number> | null;
  }>(
    db,
    sql`select v.version, v.run_id, r.name as run_name, r.status as run_status, v.source, v.artifact_digest, v.artifact_files,
          v.description, v.created_at, u.email as created_by,
          (select array_agg(a.alias order by a.alias) from model_aliases a where a.version_id = v.id) as aliases,
          (select json_object_agg(s.key, s.latest_value) from metric_series s
             where s.run_id = v.run_id and s.key in (${sql.join(keyMetrics.map((k) => sql`${k}`), sql`, `)})) as metrics
        from model_versions v
        join runs r on r.id = v.run_id
        left join users u on u.id = v.created_by
        where v.model_id = ${model.id}
        order by v.version desc`,
  );
  const envs = {} as Record<Environment, EnvironmentState | null>;
  for (const env of environments) {
    const [latest] = await getEnvironmentHistory(db, model.id, env, 1);
    envs[env] = latest && latest.until === null ? latest : null;
  }
  return {
    id: model.id,
    name: model.name,
    description: model.description,
    createdAt: iso(model.created_at)!,
    createdBy: model.created_by,
    versions: versions.map((v) => ({
      version: Number(v.version),
      runId: v.run_id,
      runName: v.run_name,
      runStatus: v.run_status,
      source: v.source,
      artifactDigest: v.artifact_digest,
      artifactFiles: Number(v.artifact_files),
      description: v.description,
      createdAt: iso(v.created_at)!,
      createdBy: v.created_by,
      aliases: v.aliases ?? [],
      metrics: numbers(v.metrics ?? {}),
    })),
    environments: envs,
    gateRules: await getGateRules(db, model.id),
  };
}

function numbers(m: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v)]));
}

export interface HistoryEntry {
  version: number;
  kind: "promotion" | "rollback";
  reason: string;
  by: string | null;
  since: string;
  until: string | null;
  requestId: string | null;
}

/** What was in the environment, newest first. The first entry without `until` is current. */
export async function getEnvironmentHistory(db: Db, modelId: string, environment: Environment, limit = 100): Promise<(HistoryEntry & EnvironmentState)[]> {
  const rows = await queryRows<{ version: number; kind: "promotion" | "rollback"; reason: string; by: string | null; started_at: string; ended_at: string | null; request_id: string | null }>(
    db,
    sql`select v.version, d.kind, d.reason, u.email as by, d.started_at, d.ended_at, d.request_id
        from deployments d join model_versions v on v.id = d.version_id left join users u on u.id = d.actor_id
        where d.model_id = ${modelId} and d.environment = ${environment}
        order by d.started_at desc, d.ended_at desc nulls first
        limit ${limit}`,
  );
  return rows.map((r) => ({
      version: Number(r.version),
      kind: r.kind,
      reason: r.reason,
      by: r.by,
      since: iso(r.started_at)!,
      until: iso(r.ended_at),
      requestId: r.request_id,
    }));
}

/** "What was in production for model M at time T". */
export async function getVersionAt(db: Db, modelId: string, environment: Environment, at: Date) {
  const row = await getDeploymentAt(db, modelId, environment, at);
  return row ? { version: row.version, since: iso(row.startedAt)!, until: iso(row.endedAt), kind: row.kind } : null;
}

export interface PerClassRow {
  label: string;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  support: number | null;
}

/** Per-class metrics logged as `class/<label>/<precision|recall|f1|support>`. */
export function perClassTable(metrics: Record<string, number>): PerClassRow[] {
  const rows = new Map<string, PerClassRow>();
  for (const [key, value] of Object.entries(metrics)) {
    const m = /^class\/(.+)\/(precision|recall|f1|support)$/.exec(key);
    if (!m) continue;
    const label = m[1]!;
    const row = rows.get(label) ?? { label, precision: null, recall: null, f1: null, support: null };
    row[m[2] as "precision" | "recall" | "f1" | "support"] = value;
    rows.set(label, row);
  }
  return [...rows.values()].sort((a, b) => a.label.localeCompare(b.label));
}

export interface VersionDetail {
  model: { id: string; name: string };
  version: number;
  source: string;
  artifactPath: string;
  artifactDigest: string | null;
  artifactFiles: number;
  description: string;
  createdAt: string;
  createdBy: string | null;
  aliases: string[];
  run: {
    id: string;
    name: string;
    status: string;
    startTime: number;
    endTime: number | null;
    durationMs: number | null;
    user: string | null;
    params: { key: string; value: string }[];
    code: { repo: string | null; commit: string | null; image: string | null; entryPoint: string | null };
    job: { cluster: string | null; gpuType: string | null; gpuCount: number; gpuIndices: number[] | null; command: string } | null;
  };
  dataset: RunDataset | null;
  metrics: Record<string, number>;
  perClass: PerClassRow[];
}

export async function getVersionDetail(db: Db, projectId: string, name: string, version: number): Promise<VersionDetail | null> {
  const [row] = await queryRows<{
    model_id: string;
    model_name: string;
    version_id: string;
    version: number;
    source: string;
    artifact_path: string;
    artifact_digest: string | null;
    artifact_files: number;
    description: string;
    created_at: string;
    created_by: string | null;
    run_id: string;
    run_name: string;
    run_status: string;
    start_time: number;
    end_time: number | null;
    run_user: string | null;
  }>(
    db,
    sql`select m.id as model_id, m.name as model_name, v.id as version_id, v.version, v.source, v.artifact_path, v.artifact_digest, v.artifact_files,
          v.description, v.created_at, cu.email as created_by,
          r.id as run_id, r.name as run_name, r.status as run_status, r.start_time, r.end_time, ru.email as run_user
        from model_versions v
        join registered_models m on m.id = v.model_id
        join runs r on r.id = v.run_id
        left join users cu on cu.id = v.created_by
        left join users ru on ru.id = r.user_id
        where m.project_id = ${projectId} and m.name = ${name} and v.version = ${version}`,
  );
  if (!row) return null;
  const [params, tags, job, aliases, metrics, dataset] = await Promise.all([
    queryRows<{ key: string; value: string }>(db, sql`select key, value from run_params where run_id = ${row.run_id} order by key`),
    queryRows<{ key: string; value: string }>(
      db,
      sql`select key, value from run_tags where run_id = ${row.run_id}
          and key in ('mlflow.source.git.repoURL', 'mlflow.source.git.commit', 'mlflow.docker.image.name', 'mlflow.source.name')`,
    ),
    queryRows<{ cluster: string | null; gpu_type: string | null; gpu_count: number; gpu_indices: number[] | null; command: string }>(
      db,
      sql`select c.name as cluster, j.gpu_type, j.gpu_count, j.gpu_indices, j.command
          from run_jobs j left join clusters c on c.id = j.cluster_id where j.run_id = ${row.run_id}`,
    ),
    queryRows<{ alias: string }>(db, sql`select alias from model_aliases where version_id = ${row.version_id} order by alias`),
    getRunMetrics(db, row.run_id),
    getRunDataset(db, row.run_id),
  ]);
  const tag = (k: string) => tags.find((t) => t.key === k)?.value ?? null;
  const start = Number(row.start_time);
  const end = row.end_time === null ? null : Number(row.end_time);
  return {
    model: { id: row.model_id, name: row.model_name },
    version: Number(row.version),
    source: row.source,
    artifactPath: row.artifact_path,
    artifactDigest: row.artifact_digest,
    artifactFiles: Number(row.artifact_files),
    description: row.description,
    createdAt: iso(row.created_at)!,
    createdBy: row.created_by,
    aliases: aliases.map((a) => a.alias),
    run: {
      id: row.run_id,
      name: row.run_name,
      status: row.run_status,
      startTime: start,
      endTime: end,
      durationMs: end === null ? null : Math.max(0, end - start),
      user: row.run_user,
      params,
      code: { repo: tag("mlflow.source.git.repoURL"), commit: tag("mlflow.source.git.commit"), image: tag("mlflow.docker.image.name"), entryPoint: tag("mlflow.source.name") },
      job: job[0] ? { cluster: job[0].cluster, gpuType: job[0].gpu_type, gpuCount: Number(job[0].gpu_count), gpuIndices: job[0].gpu_indices, command: job[0].command } : null,
    },
    dataset,
    metrics,
    perClass: perClassTable(metrics),
  };
}

// ---- promotion requests -------------------------------------------------------------------------

export type RequestStatus = "pending" | "blocked" | "approved" | "rejected" | "void";

export interface RequestItem {
  id: string;
  project: { slug: string; name: string };
  model: string;
  version: number;
  environment: Environment;
  status: RequestStatus;
  justification: string;
  gates: GateResult[];
  gatesPassed: boolean;
  requestedBy: { id: string; email: string; name: string };
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  overriddenBy: string | null;
  overrideReason: string | null;
  overriddenAt: string | null;
  voidReason: string | null;
  /** For the requester's own decided requests: whether they had seen the decision before this read. */
  decisionSeen: boolean;
}

export interface RequestFilter {
  projectIds: string[];
  status?: RequestStatus[];
  modelId?: string;
  versionId?: string;
  requestedBy?: string;
  id?: string;
  limit?: number;
}

export async function listPromotionRequests(db: Db, f: RequestFilter): Promise<RequestItem[]> {
  if (f.projectIds.length === 0) return [];
  const where = sql.join(
    [
      sql`r.project_id in (${sql.join(f.projectIds.map((id) => sql`${id}`), sql`, `)})`,
      f.status?.length ? sql`r.status in (${sql.join(f.status.map((s) => sql`${s}`), sql`, `)})` : null,
      f.modelId ? sql`r.model_id = ${f.modelId}` : null,
      f.versionId ? sql`r.version_id = ${f.versionId}` : null,
      f.requestedBy ? sql`r.requested_by = ${f.requestedBy}` : null,
      f.id ? sql`r.id = ${f.id}` : null,
    ].filter((c): c is SQL => c !== null),
    sql` and `,
  );
  return selectRequests(db, where, sql`r.requested_at desc, r.id`, f.limit ?? 100);
}

/** The one select of promotion requests; callers give the (project-scoped) condition and order. */
export async function selectRequests(db: Db, where: SQL, order: SQL, limit: number): Promise<RequestItem[]> {
  const rows = await queryRows<{
    id: string;
    slug: string;
    project_name: string;
    model: string;
    version: number;
    environment: Environment;
    status: RequestStatus;
    justification: string;
    gates: GateResult[];
    gates_passed: boolean;
    requester_id: string;
    requester_email: string;
    requester_name: string;
    requested_at: string;
    decided_by: string | null;
    decided_at: string | null;
    decision_reason: string | null;
    overridden_by: string | null;
    override_reason: string | null;
    overridden_at: string | null;
    void_reason: string | null;
    requester_seen_at: string | null;
  }>(
    db,
    sql`select r.id, p.slug, p.name as project_name, m.name as model, v.version, r.environment, r.status, r.justification, r.gates,
          r.gates_passed, r.requested_by as requester_id, ru.email as requester_email, ru.name as requester_name, r.requested_at,
          du.email as decided_by, r.decided_at, r.decision_reason, ou.email as overridden_by, r.override_reason, r.overridden_at, r.void_reason,
          r.requester_seen_at
        from promotion_requests r
        join projects p on p.id = r.project_id
        join registered_models m on m.id = r.model_id
        join model_versions v on v.id = r.version_id
        join users ru on ru.id = r.requested_by
        left join users du on du.id = r.decided_by
        left join users ou on ou.id = r.overridden_by
        where ${where}
        order by ${order}
        limit ${limit}`,
  );
  return rows.map((r) => ({
    id: r.id,
    project: { slug: r.slug, name: r.project_name },
    model: r.model,
    version: Number(r.version),
    environment: r.environment,
    status: r.status,
    justification: r.justification,
    gates: r.gates ?? [],
    gatesPassed: r.gates_passed,
    requestedBy: { id: r.requester_id, email: r.requester_email, name: r.requester_name },
    requestedAt: iso(r.requested_at)!,
    decidedBy: r.decided_by,
    decidedAt: iso(r.decided_at),
    decisionReason: r.decision_reason,
    overriddenBy: r.overridden_by,
    overrideReason: r.override_reason,
    overriddenAt: iso(r.overridden_at),
    voidReason: r.void_reason,
    decisionSeen: r.requester_seen_at !== null,
  }));
}

/** Project ids where the actor may decide promotions (every project for admins). */
export async function listDecidableProjectIds(db: Db, actor: Pick<Actor, "id" | "isAdmin">): Promise<string[]> {
  const personas = permissions["promotions.decide"].personas as readonly string[];
  const rows = actor.isAdmin
    ? await queryRows<{ id: string }>(db, sql`select id from projects`)
    : await queryRows<{ id: string }>(
        db,
        sql`select project_id as id from memberships where user_id = ${actor.id}
            and persona in (${sql.join(personas.map((p) => sql`${p}`), sql`, `)})`,
      );
  return rows.map((r) => r.id);
}

export interface NotificationCounts {
  /** Pending requests the actor may approve (never their own). */
  toDecide: number;
  /** Decisions on the actor's requests they have not seen yet. */
  decisions: number;
  /** Unresolved monitoring alerts per project slug, in projects the actor can read. */
  alerts: Record<string, number>;
}

export async function getNotificationCounts(db: Db, actor: Pick<Actor, "id" | "isAdmin">): Promise<NotificationCounts> {
  const personas = permissions["promotions.decide"].personas as readonly string[];
  const [row] = await queryRows<{ to_decide: number; decisions: number }>(
    db,
    sql`select
          (select count(*)::int from promotion_requests r
            where r.status = 'pending' and r.requested_by <> ${actor.id}
              and (${actor.isAdmin} or exists (select 1 from memberships m where m.project_id = r.project_id and m.user_id = ${actor.id}
                   and m.persona in (${sql.join(personas.map((p) => sql`${p}`), sql`, `)})))) as to_decide,
          (select count(*)::int from promotion_requests r
            where r.requested_by = ${actor.id} and r.status in ('approved', 'rejected', 'void') and r.requester_seen_at is null) as decisions`,
  );
  const alerts = await queryRows<{ slug: string; n: number }>(
    db,
    sql`select p.slug, count(*)::int as n from monitoring_alerts a join projects p on p.id = a.project_id
        where a.status <> 'resolved'
          and (${actor.isAdmin} or exists (select 1 from memberships m where m.project_id = a.project_id and m.user_id = ${actor.id}))
        group by p.slug`,
  );
  return { toDecide: Number(row?.to_decide ?? 0), decisions: Number(row?.decisions ?? 0), alerts: Object.fromEntries(alerts.map((a) => [a.slug, Number(a.n)])) };
}
