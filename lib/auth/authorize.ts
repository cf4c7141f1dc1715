import "server-only";
import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { apiTokens, memberships, projects, sessions, users } from "@/db/schema";
import { ForbiddenError, NoProjectAccessError, NotFoundError, UnauthenticatedError } from "@/lib/actions/safe-error";
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
import { hashApiToken, looksLikeApiToken } from "./tokens";

/**
 * Who is calling: the session cookie (only a reference to a server-side session row), or a personal
 * API token from an `Authorization: Bearer` header. Both are checked against the database every time.
 */
export type SessionClaims = { sessionId: string; apiToken?: undefined } | { apiToken: string; sessionId?: undefined };

export interface Actor {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
  orgRole: OrgRole;
  mustChangePassword: boolean;
  /** The session the request came with; null when it came with an API token. */
  sessionId: string | null;
  /** The API token the request came with; null for browser sessions. */
  tokenId: string | null;
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
  if (claims?.apiToken !== undefined) return resolveTokenActor(db, claims.apiToken);
  if (!claims?.sessionId) throw new UnauthenticatedError();
  const [row] = await db
    .select(actorColumns)
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, claims.sessionId), gt(sessions.expiresAt, new Date())));
  if (!row) throw new UnauthenticatedError("Your session has ended. Sign in again.");
  return activeActor(row, { sessionId: claims.sessionId, tokenId: null });
}

const actorColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  isAdmin: users.isAdmin,
  orgRole: users.orgRole,
  active: users.active,
  mustChangePassword: users.mustChangePassword,
};

function activeActor(
  row: Omit<Actor, "sessionId" | "tokenId"> & { active: boolean },
  via: Pick<Actor, "sessionId" | "tokenId">,
): Actor {
  if (!row.active) throw new UnauthenticatedError("This account has been deactivated. Ask an admin to reactivate it.");
  const { active: _active, ...actor } = row;
  return { ...actor, ...via };
}

/** A personal API token acts as its user, with the user's permissions, until revoked. */
async function resolveTokenActor(db: Db, token: string): Promise<Actor> {
  if (!looksLikeApiToken(token)) throw new UnauthenticatedError("Invalid API token.");
  const [row] = await db
    .select({ ...actorColumns, tokenId: apiTokens.id, revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hashApiToken(token)));
  if (!row) throw new UnauthenticatedError("Invalid API token.");
  if (row.revokedAt) throw new UnauthenticatedError("This API token has been revoked.");
  const { tokenId, revokedAt: _revoked, ...user } = row;
  const actor = activeActor(user, { sessionId: null, tokenId });
  // Last-used time at minute precision: one cheap write per token per minute, not per request.
  await db
    .update(apiTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(apiTokens.id, tokenId), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`now() - interval '1 minute'`))));
  return actor;
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
 * client or `lib/auth/session`) before touching data. Non-members get NoProjectAccessError, the same
 * answer as for a project that does not exist, so a project's existence does not leak.
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
  // Admins see every project, so for them a missing one is simply not found. Everyone else gets the
  // same refusal for "not a member" and "no such project".
  if (!row && actor.isAdmin) throw new NotFoundError("Project not found.");
  if (!row || (!row.persona && !actor.isAdmin)) throw new NoProjectAccessError();
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
