import "server-only";
import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { apiTokens, memberships, projects, runTokens, runs, sessions, users } from "@/db/schema";
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
import { hashApiToken, looksLikeApiToken, looksLikeRunToken } from "./tokens";

/**
 * Who is calling: the session cookie (only a reference to a server-side session row), or a personal
 * API token from an `Authorization: Bearer` header. Both are checked against the database every time.
 */
export type SessionClaims =
  | { sessionId: string; apiToken?: undefined; runToken?: undefined }
  // `email`: HTTP Basic credentials (MLFLOW_TRACKING_USERNAME/PASSWORD) name the token's owner too.
  | { apiToken: string; email?: string; sessionId?: undefined; runToken?: undefined }
  | { runToken: string; sessionId?: undefined; apiToken?: undefined };

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
  /** Set when the request came with a run-scoped token: the one run it may read and write. */
  runId?: string | null;
  /** The run token's project (run-scoped tokens act only there). */
  runProjectId?: string | null;
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
  if (claims?.apiToken !== undefined) return resolveTokenActor(db, claims.apiToken, claims.email);
  if (claims?.runToken !== undefined) return resolveRunTokenActor(db, claims.runToken);
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
async function resolveTokenActor(db: Db, token: string, email?: string): Promise<Actor> {
  if (looksLikeRunToken(token) && email === undefined) return resolveRunTokenActor(db, token);
  if (!looksLikeApiToken(token)) throw new UnauthenticatedError("Invalid API token.");
  const [row] = await db
    .select({ ...actorColumns, tokenId: apiTokens.id, revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hashApiToken(token)));
  if (!row) throw new UnauthenticatedError("Invalid API token.");
  if (row.revokedAt) throw new UnauthenticatedError("This API token has been revoked.");
  if (email !== undefined && email.toLowerCase() !== row.email.toLowerCase()) {
    throw new UnauthenticatedError("The user name must be the e-mail address of the API token's owner.");
  }
  const { tokenId, revokedAt: _revoked, ...user } = row;
  const actor = activeActor(user, { sessionId: null, tokenId });
  // Last-used time at minute precision: one cheap write per token per minute, not per request.
  await db
    .update(apiTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(apiTokens.id, tokenId), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`now() - interval '1 minute'`))));
  return actor;
}

/**
 * A run-scoped token acts as the run's author, on that run only (checked by the tracking API with
 * `actor.runId`), in its project only (checked here by authorize), and only while the run is active.
 */
async function resolveRunTokenActor(db: Db, token: string): Promise<Actor> {
  if (!looksLikeRunToken(token)) throw new UnauthenticatedError("Invalid run token.");
  const [row] = await db
    .select({ ...actorColumns, runId: runs.id, projectId: runs.projectId, status: runs.status, revokedAt: runTokens.revokedAt })
    .from(runTokens)
    .innerJoin(runs, eq(runs.id, runTokens.runId))
    .innerJoin(users, eq(users.id, runs.userId))
    .where(eq(runTokens.tokenHash, hashApiToken(token)));
  if (!row) throw new UnauthenticatedError("Invalid run token.");
  if (row.revokedAt || !["RUNNING", "SCHEDULED"].includes(row.status)) {
    throw new UnauthenticatedError("This run token has expired: its run has ended.");
  }
  const { runId, projectId, status: _status, revokedAt: _revoked, ...user } = row;
  return { ...activeActor(user, { sessionId: null, tokenId: null }), runId, runProjectId: projectId };
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
  return authorizeActor(db, await resolveActor(db, claims), permission, scope);
}

/** authorize() for an actor already resolved in this request (saves re-reading the token). */
export async function authorizeActor(db: Db, actor: Actor, permission: ProjectScopedPermission, scope: ProjectScope): Promise<ProjectAuthContext>;
export async function authorizeActor(db: Db, actor: Actor, permission: OrgScopedPermission): Promise<AuthContext>;
export async function authorizeActor(db: Db, actor: Actor, permission: Permission, scope?: ProjectScope): Promise<AuthContext>;
export async function authorizeActor(db: Db, actor: Actor, permission: Permission, scope?: ProjectScope): Promise<AuthContext> {
  const rule = permissions[permission];
  if (!rule) throw new ForbiddenError();

  if (!isProjectPermission(permission)) {
    if (actor.runId) throw new ForbiddenError("A run token can only read and log to its own run.");
    if (!can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona: null }, permission)) {
      throw new ForbiddenError(`You are not allowed to ${lowerFirst(rule.description)}.`);
    }
    return { actor, project: null, persona: null };
  }

  if (!scope) throw new Error(`authorize(${permission}) needs a project scope`);
  const row = await loadProject(db, actor, scope);
  if (actor.runId) {
    // A run token reads and logs to its own run, in its own project; nothing else.
    if (!row || row.id !== actor.runProjectId) throw new NoProjectAccessError();
    if (permission !== "projects.read" && permission !== "runs.log") {
      throw new ForbiddenError(`A run token can only read and log to its own run; it may not ${lowerFirst(rule.description)}.`);
    }
  }
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
