import "server-only";
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { selectRequests, type RequestItem } from "./queries";

// Reads for the approvals queue (app/(dashboard)/approvals). Like listPromotionRequests, but each
// list has its own order: the queue oldest first (so the limit never hides the longest-waiting
// request) and "recently decided" by decision time, not request time. Every read is scoped to
// project ids the caller may read (or decide in).

const inList = (ids: string[]) => sql.join(ids.map((id) => sql`${id}`), sql`, `);

/** Open (pending and blocked) requests in the given projects, oldest first. */
export async function listAwaitingDecision(db: Db, projectIds: string[], limit = 200): Promise<RequestItem[]> {
  if (projectIds.length === 0) return [];
  return selectRequests(
    db,
    sql`r.project_id in (${inList(projectIds)}) and r.status in ('pending', 'blocked')`,
    sql`r.requested_at asc, r.id`,
    limit,
  );
}

/** The actor's own requests in the given projects, newest first, whatever their status. */
export async function listMyRequests(db: Db, actorId: string, projectIds: string[], limit = 100): Promise<RequestItem[]> {
  if (projectIds.length === 0) return [];
  return selectRequests(
    db,
    sql`r.project_id in (${inList(projectIds)}) and r.requested_by = ${actorId}`,
    sql`r.requested_at desc, r.id`,
    limit,
  );
}

/** Approved and rejected requests in the given projects, most recently decided first. */
export async function listRecentlyDecided(db: Db, projectIds: string[], limit = 50): Promise<RequestItem[]> {
  if (projectIds.length === 0) return [];
  return selectRequests(
    db,
    sql`r.project_id in (${inList(projectIds)}) and r.status in ('approved', 'rejected')`,
    sql`r.decided_at desc, r.id`,
    limit,
  );
}

/** One request of one model of one project (the request page), or null. */
export async function getPromotionRequest(db: Db, projectId: string, modelName: string, requestId: string): Promise<RequestItem | null> {
  const [row] = await selectRequests(db, sql`r.project_id = ${projectId} and m.name = ${modelName} and r.id = ${requestId}`, sql`r.id`, 1);
  return row ?? null;
}
