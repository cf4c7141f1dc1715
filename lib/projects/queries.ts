import "server-only";
import { and, asc, count, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { auditLog, memberships, projects, users } from "@/db/schema";
import { NotFoundError } from "@/lib/actions/safe-error";
import type { Actor, ProjectRef } from "@/lib/auth/authorize";
import type { Persona } from "@/lib/auth/permissions";

export interface ProjectListItem {
  id: string;
  slug: string;
  name: string;
  description: string;
  createdAt: Date;
  memberCount: number;
  persona: Persona | null;
}

/** Projects the actor can see: their memberships, or every project for admins. */
export async function listProjectsForActor(db: Db, actor: Actor): Promise<ProjectListItem[]> {
  const mine = db
    .select({ projectId: memberships.projectId, persona: memberships.persona })
    .from(memberships)
    .where(eq(memberships.userId, actor.id))
    .as("mine");
  const memberCount = db
    .select({ projectId: memberships.projectId, n: count().as("n") })
    .from(memberships)
    .groupBy(memberships.projectId)
    .as("member_count");
  const base = db
    .select({
      id: projects.id,
      slug: projects.slug,
      name: projects.name,
      description: projects.description,
      createdAt: projects.createdAt,
      memberCount: sql<number>`coalesce(${memberCount.n}, 0)`.mapWith(Number),
      persona: mine.persona,
    })
    .from(projects)
    .leftJoin(memberCount, eq(memberCount.projectId, projects.id));
  const rows = actor.isAdmin
    ? await base.leftJoin(mine, eq(mine.projectId, projects.id)).orderBy(asc(projects.name))
    : await base.innerJoin(mine, eq(mine.projectId, projects.id)).orderBy(asc(projects.name));
  return rows;
}

export async function requireProjectBySlug(db: Db, slug: string): Promise<ProjectRef> {
  const [row] = await db
    .select({ id: projects.id, slug: projects.slug, name: projects.name })
    .from(projects)
    .where(eq(projects.slug, slug));
  if (!row) throw new NotFoundError("Project not found.");
  return row;
}

export async function getProjectDetails(db: Db, projectId: string) {
  const [row] = await db
    .select({
      id: projects.id,
      slug: projects.slug,
      name: projects.name,
      description: projects.description,
      createdAt: projects.createdAt,
      createdByEmail: users.email,
    })
    .from(projects)
    .leftJoin(users, eq(users.id, projects.createdBy))
    .where(eq(projects.id, projectId));
  return row ?? null;
}

export interface MemberRow {
  userId: string;
  email: string;
  name: string;
  persona: Persona;
  active: boolean;
  since: Date;
}

export async function listMembers(db: Db, projectId: string): Promise<MemberRow[]> {
  return db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      persona: memberships.persona,
      active: users.active,
      since: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.projectId, projectId))
    .orderBy(asc(users.name));
}

export interface ActivityItem {
  id: number;
  at: string;
  actorEmail: string | null;
  action: string;
  summary: string;
}

export interface ActivityPage {
  items: ActivityItem[];
  nextCursor: number | null;
}

/** The project's audit entries, newest first, keyset-paginated by id. */
export async function listProjectActivity(
  db: Db,
  projectId: string,
  page: { cursor?: number; limit: number },
): Promise<ActivityPage> {
  const rows = await db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      actorEmail: auditLog.actorEmail,
      action: auditLog.action,
      summary: auditLog.summary,
    })
    .from(auditLog)
    .where(and(eq(auditLog.projectId, projectId), page.cursor ? lt(auditLog.id, page.cursor) : undefined))
    .orderBy(desc(auditLog.id))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map((r) => ({ ...r, at: r.at.toISOString() }));
  return { items, nextCursor: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
}
