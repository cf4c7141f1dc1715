import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import type { GateResult } from "./gates";
import type { RequestItem, RequestStatus } from "./queries";
import type { Environment } from "./schemas";

// Reads for the approvals queue (app/(dashboard)/approvals). Like listPromotionRequests, but each
// list has its own order: the queue oldest first (so the limit never hides the longest-waiting
// request) and "recently decided" by decision time, not request time. Every read is scoped to
// project ids the caller may read (or decide in).

export interface ApprovalItem extends RequestItem {
  overriddenAt: string | null;
  /** For the requester's own decided requests: whether they had seen the decision before this read. */
  decisionSeen: boolean;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const inList = (ids: string[]) => sql.join(ids.map((id) => sql`${id}`), sql`, `);

async function selectRequests(db: Db, where: SQL, order: SQL, limit: number): Promise<ApprovalItem[]> {
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

/** Open (pending and blocked) requests in the given projects, oldest first. */
export async function listAwaitingDecision(db: Db, projectIds: string[], limit = 200): Promise<ApprovalItem[]> {
  if (projectIds.length === 0) return [];
  return selectRequests(
    db,
    sql`r.project_id in (${inList(projectIds)}) and r.status in ('pending', 'blocked')`,
    sql`r.requested_at asc, r.id`,
    limit,
  );
}

/** The actor's own requests in the given projects, newest first, whatever their status. */
export async function listMyRequests(db: Db, actorId: string, projectIds: string[], limit = 100): Promise<ApprovalItem[]> {
  if (projectIds.length === 0) return [];
  return selectRequests(
    db,
    sql`r.project_id in (${inList(projectIds)}) and r.requested_by = ${actorId}`,
    sql`r.requested_at desc, r.id`,
    limit,
  );
}

/** Approved and rejected requests in the given projects, most recently decided first. */
export async function listRecentlyDecided(db: Db, projectIds: string[], limit = 50): Promise<ApprovalItem[]> {
  if (projectIds.length === 0) return [];
  return selectRequests(
    db,
    sql`r.project_id in (${inList(projectIds)}) and r.status in ('approved', 'rejected')`,
    sql`r.decided_at desc, r.id`,
    limit,
  );
}

/** One request of one model of one project (the request page), or null. */
export async function getPromotionRequest(db: Db, projectId: string, modelName: string, requestId: string): Promise<ApprovalItem | null> {
  const [row] = await selectRequests(db, sql`r.project_id = ${projectId} and m.name = ${modelName} and r.id = ${requestId}`, sql`r.id`, 1);
  return row ?? null;
}
