import "server-only";
import { z } from "zod";
import { connection, NextResponse } from "next/server";
import { getDb, type Db } from "@/db";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import type { Actor } from "@/lib/auth/authorize";
import { NotFoundError, SafeError } from "@/lib/actions/safe-error";
import { authorizeApiRequest } from "@/lib/auth/session";
import type { ProjectScopedPermission } from "@/lib/auth/permissions";
import type { ModelOverview, RequestStatus } from "./queries";
import { environmentSchema, inDatabaseRange, requestIdSchema, versionNumberSchema, type Environment } from "./schemas";
import { requireModel, type ModelRef } from "./service";

// Shared by the `/api/v1/projects/{slug}/models/…` route handlers: authorize, then resolve the path's
// model, environment, version or request id into what the service takes, or a 400/404 saying why.

/** Authorizes `permission` in the project, then finds the model there (404 when it has none by that name). */
export async function modelForRequest(request: Request, permission: ProjectScopedPermission, params: { slug: string; name: string }) {
  const { actor, project } = await authorizeApiRequest(request, permission, { projectSlug: params.slug });
  const db = await getDb();
  const model = await requireModel(db, project, params.name);
  return { db, actor, project, model };
}

/** An environment named in the path: 400 with the schema's message ("staging" or "production"). */
export function environmentParam(raw: string): Environment {
  const parsed = environmentSchema.safeParse(raw);
  if (!parsed.success) throw new SafeError(parsed.error.issues[0]?.message ?? "Unknown environment.", 400);
  return parsed.data;
}

/** A version number named in the path: anything that is not one names no version (404). */
export function versionParam(raw: string, modelName: string): number {
  const parsed = versionNumberSchema.safeParse(raw);
  if (!parsed.success) throw new NotFoundError(`Model ${modelName} has no version ${JSON.stringify(raw)}.`);
  return parsed.data;
}

/** A promotion request id named in the path: anything that is not a uuid names no request (404). */
export function requestIdParam(raw: string, modelName: string): string {
  if (!requestIdSchema.safeParse(raw).success) throw new NotFoundError(`Model ${modelName} has no such promotion request.`);
  return raw;
}

type DecisionParams = { params: Promise<{ slug: string; name: string; id: string }> };
type Decide = (db: Db, actor: Actor, model: ModelRef, requestId: string, reason: string | undefined) => Promise<{ status: string }>;

/**
 * The route handler of one decision on a promotion request (approve, reject, override, withdraw):
 * authorize with `permission`, parse `{reason}` with `schema`, call the service: {id, status}.
 */
export function decisionRoute(permission: ProjectScopedPermission, schema: z.ZodType<{ reason?: string }>, example: string, decide: Decide) {
  return async function POST(request: Request, { params }: DecisionParams) {
    await connection();
    try {
      const { slug, name, id } = await params;
      const { db, actor, model } = await modelForRequest(request, permission, { slug, name });
      const requestId = requestIdParam(id, model.name);
      const { reason } = await parseJsonBody(request, schema, example);
      const { status } = await decide(db, actor, model, requestId, reason);
      return NextResponse.json({ id: requestId, status });
    } catch (e) {
      return errorResponse(e);
    }
  };
}

export const requestStatuses = ["pending", "blocked", "approved", "rejected", "void"] as const satisfies readonly RequestStatus[];

/** `?status=pending` or `?status=pending,blocked`; none lists every request (newest first, at most 100). */
export const promotionsQuerySchema = z.object({
  status: z
    .string()
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
    .pipe(
      z.array(
        z.enum(requestStatuses, {
          error: (issue) => `Unknown status ${JSON.stringify(issue.input)}: use ${requestStatuses.join(", ")} (several separated by commas).`,
        }),
      ),
    )
    .optional(),
});

/** `?at=` as the service takes it: a time without an offset is read as UTC, whatever the server's zone. */
export function atParam(at: string): Date {
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(at);
  const date = new Date(hasOffset ? at : `${at}Z`);
  if (Number.isNaN(date.getTime())) throw new SafeError("Invalid query parameters — at: not a valid date and time.", 400);
  if (!inDatabaseRange(date)) throw new SafeError("Invalid query parameters — at: give a time between the years 1 and 9999.", 400);
  return date;
}

/** The model as the API shows it: versions newest first, what is in each environment, the gate rules. */
export function modelToApi(m: ModelOverview) {
  const environment = (e: ModelOverview["environments"][Environment]) => (e ? { version: e.version, since: e.since, by: e.by, reason: e.reason } : null);
  return {
    name: m.name,
    description: m.description,
    versions: m.versions.map((v) => ({
      version: v.version,
      runId: v.runId,
      runName: v.runName,
      runStatus: v.runStatus,
      source: v.source,
      artifactDigest: v.artifactDigest,
      createdAt: v.createdAt,
      createdBy: v.createdBy,
      aliases: v.aliases,
      metrics: v.metrics,
    })),
    environments: { production: environment(m.environments.production), staging: environment(m.environments.staging) },
    gates: m.gateRules,
  };
}
