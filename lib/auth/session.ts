import "server-only";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "@/db";
import { ForbiddenError, NoProjectAccessError, NotFoundError, UnauthenticatedError } from "@/lib/actions/safe-error";
import {
  authorize,
  resolveActor,
  type Actor,
  type AuthContext,
  type ProjectAuthContext,
  type ProjectScope,
  type SessionClaims,
} from "./authorize";
import { auth } from "./next-auth";
import type { OrgScopedPermission, Permission, ProjectScopedPermission } from "./permissions";

/** The claims of the current request's session cookie, or null. */
export async function currentClaims(): Promise<SessionClaims | null> {
  const session = await auth();
  return session?.sid ? { sessionId: session.sid } : null;
}

/**
 * The caller of an HTTP API request: a personal API token (`Authorization: Bearer …`) when the
 * header is present, else the session cookie. A malformed header is refused rather than ignored.
 */
export async function requestClaims(request: Request): Promise<SessionClaims | null> {
  const header = request.headers.get("authorization");
  if (header === null) return currentClaims();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match?.[1]) return { apiToken: match[1] };
  // HTTP Basic, as MLflow clients send MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD: the
  // user's e-mail and one of their API tokens.
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  const decoded = basic?.[1] ? Buffer.from(basic[1], "base64").toString("utf8") : "";
  const colon = decoded.indexOf(":");
  if (colon > 0) return { apiToken: decoded.slice(colon + 1), email: decoded.slice(0, colon) };
  throw new UnauthenticatedError('Malformed Authorization header: expected "Bearer <token>" or Basic credentials (e-mail and API token).');
}

/** authorize() for an HTTP API route handler: API token or session, same permissions either way. */
export async function authorizeApiRequest(request: Request, permission: ProjectScopedPermission, scope: ProjectScope): Promise<ProjectAuthContext>;
export async function authorizeApiRequest(request: Request, permission: OrgScopedPermission): Promise<AuthContext>;
export async function authorizeApiRequest(request: Request, permission: Permission, scope?: ProjectScope): Promise<AuthContext> {
  const claims = await requestClaims(request);
  return authorize(await getDb(), claims, permission, scope);
}

/** authorize() for the current request: used by route handlers and the action client. */
export async function authorizeRequest(permission: ProjectScopedPermission, scope: ProjectScope): Promise<ProjectAuthContext>;
export async function authorizeRequest(permission: OrgScopedPermission): Promise<AuthContext>;
export async function authorizeRequest(permission: Permission, scope?: ProjectScope): Promise<AuthContext>;
export async function authorizeRequest(permission: Permission, scope?: ProjectScope): Promise<AuthContext> {
  const claims = await currentClaims(); // reads the cookie first: makes the route dynamic before any DB use
  return authorize(await getDb(), claims, permission, scope);
}

/**
 * The signed-in user, or null (deactivated users and ended sessions count as signed out).
 * Read once per request: the layout and the page of one render share it.
 */
export const currentActor = cache(async (): Promise<Actor | null> => {
  const claims = await currentClaims();
  if (!claims) return null;
  try {
    return await resolveActor(await getDb(), claims);
  } catch (e) {
    if (e instanceof UnauthenticatedError) return null;
    throw e;
  }
});

/** For pages: the signed-in user, or a redirect to sign-in. */
export async function requireActor(): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect("/sign-in");
  return actor;
}

export type PageAuth<C extends AuthContext = AuthContext> = { ok: true; ctx: C } | { ok: false; reason: string };

/**
 * For pages: authorize() with the page-shaped outcomes. Signed out → sign-in; unknown project or
 * not a member → 404; forbidden → { ok: false } so the page renders an explanation instead of its content.
 */
export async function authorizePage(permission: ProjectScopedPermission, scope: ProjectScope): Promise<PageAuth<ProjectAuthContext>>;
export async function authorizePage(permission: OrgScopedPermission): Promise<PageAuth>;
export async function authorizePage(permission: Permission, scope?: ProjectScope): Promise<PageAuth> {
  try {
    return { ok: true, ctx: await authorizeRequest(permission, scope) };
  } catch (e) {
    if (e instanceof UnauthenticatedError) redirect("/sign-in");
    if (e instanceof NotFoundError || e instanceof NoProjectAccessError) notFound();
    if (e instanceof ForbiddenError) return { ok: false, reason: e.message };
    throw e;
  }
}

/** authorizePage for a project page, deduplicated within one request (layout and page both ask). */
export const authorizeProjectPage = cache(
  (permission: ProjectScopedPermission, projectSlug: string): Promise<PageAuth<ProjectAuthContext>> =>
    authorizePage(permission, { projectSlug }),
);
