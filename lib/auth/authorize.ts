import "server-only";
import { and, eq, gt } from "drizzle-orm";
import type { Db } from "@/db";
import { memberships, projects, sessions, users } from "@/db/schema";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/actions/safe-error";
import {
  can,
  isProjectPermission,
  permissions,
  personaLabels,
  type OrgRole,
  type OrgScopedPermission,
  type Permission,
  type Persona,
  type ProjectScopedPermission,
} from "./permissions";

/** What the session cookie carries: only a reference to a server-side session row. */
export interface SessionClaims {
  sessionId: string;
}

export interface Actor {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
  orgRole: OrgRole;
  mustChangePassword: boolean;
  sessionId: string;
}

export interface ProjectRef {
  id: string;
  slug: string;
  name: string;
}

export interface AuthContext {
  actor: Actor;
  project: ProjectRef | null;
  /** The actor's persona in `project`; null for admins who are not members, or without a project. */
  persona: Persona | null;
}

export type ProjectAuthContext = AuthContext & { project: ProjectRef };

export type ProjectScope = { projectSlug: string } | { projectId: string };

/**
 * Reads the session and its user from the database on every call, so that sign-out, deactivation
 * and role changes take effect at once, whatever the cookie says.
 */
export async function resolveActor(db: Db, claims: SessionClaims | null): Promise<Actor> {
  if (!claims?.sessionId) throw new UnauthenticatedError();
  const [row] = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      isAdmin: users.isAdmin,
      orgRole: users.orgRole,
      active: users.active,
      mustChangePassword: users.mustChangePassword,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, claims.sessionId), gt(sessions.expiresAt, new Date())));
  if (!row) throw new UnauthenticatedError("Your session has ended. Sign in again.");
  if (!row.active) throw new UnauthenticatedError("This account has been deactivated. Ask an admin to reactivate it.");
  const { active: _active, ...actor } = row;
  return { ...actor, sessionId: claims.sessionId };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function loadProject(db: Db, actor: Actor, scope: ProjectScope) {
  const where =
    "projectSlug" in scope
      ? eq(projects.slug, scope.projectSlug)
      : uuidPattern.test(scope.projectId)
        ? eq(projects.id, scope.projectId)
        : null;
  if (!where) return null;
  const [row] = await db
    .select({ id: projects.id, slug: projects.slug, name: projects.name, persona: memberships.persona })
    .from(projects)
    .leftJoin(memberships, and(eq(memberships.projectId, projects.id), eq(memberships.userId, actor.id)))
    .where(where);
  return row ?? null;
}

/**
 * The one authorization check. Every server action and route handler calls it (through the action
 * client or `lib/auth/session`) before touching data. Non-members get "not found" rather than
 * "forbidden", so a project's existence does not leak.
 */
export async function authorize(
  db: Db,
  claims: SessionClaims | null,
  permission: ProjectScopedPermission,
  scope: ProjectScope,
): Promise<ProjectAuthContext>;
export async function authorize(db: Db, claims: SessionClaims | null, permission: OrgScopedPermission): Promise<AuthContext>;
export async function authorize(
  db: Db,
  claims: SessionClaims | null,
  permission: Permission,
  scope?: ProjectScope,
): Promise<AuthContext>;
export async function authorize(
  db: Db,
  claims: SessionClaims | null,
  permission: Permission,
  scope?: ProjectScope,
): Promise<AuthContext> {
  const actor = await resolveActor(db, claims);
  const rule = permissions[permission];
  if (!rule) throw new ForbiddenError();

  if (!isProjectPermission(permission)) {
    if (!can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona: null }, permission)) {
      throw new ForbiddenError(`You are not allowed to ${lowerFirst(rule.description)}.`);
    }
    return { actor, project: null, persona: null };
  }

  if (!scope) throw new Error(`authorize(${permission}) needs a project scope`);
  const row = await loadProject(db, actor, scope);
  if (!row || (!row.persona && !actor.isAdmin)) throw new NotFoundError("Project not found.");
  const persona = row.persona ?? null;
  if (!can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona }, permission)) {
    const as = persona ? `As ${personaLabels[persona].toLowerCase()} in this project you` : "You";
    throw new ForbiddenError(`${as} are not allowed to ${lowerFirst(rule.description)}.`);
  }
  return { actor, project: { id: row.id, slug: row.slug, name: row.name }, persona };
}

function lowerFirst(s: string) {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
