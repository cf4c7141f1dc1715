import "server-only";
import type { Db } from "@/db";
import { SafeError, UnauthenticatedError } from "@/lib/actions/safe-error";
import { resolveActor, type Actor } from "@/lib/auth/authorize";
import { requestClaims } from "@/lib/auth/session";
import { mlflowCodeFor, mlflowStatus } from "./errors";

// Authentication and error answers shared by the tracking API and the artifact proxy.

export function mlflowErrorResponse(e: unknown): Response {
  if (e instanceof SafeError) {
    const code = mlflowCodeFor(e);
    const headers: Record<string, string> = code === "UNAUTHENTICATED" ? { "www-authenticate": 'Bearer realm="ferry", Basic realm="ferry"' } : {};
    return Response.json({ error_code: code, message: e.message }, { status: mlflowStatus[code], headers });
  }
  const ref = crypto.randomUUID().slice(0, 8);
  console.error(`[ferry] MLflow API request failed (ref ${ref}):`, e);
  return Response.json({ error_code: "INTERNAL_ERROR", message: `Internal error (ref ${ref}).` }, { status: 500 });
}

export async function authenticate(db: Db, request: Request): Promise<Actor> {
  const claims = await requestClaims(request);
  if (!claims) {
    throw new UnauthenticatedError(
      "Authentication required: send a Ferry API token as a bearer token (MLFLOW_TRACKING_TOKEN), or your e-mail and an API token as Basic credentials (MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD).",
    );
  }
  return resolveActor(db, claims);
}
