import "server-only";
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { modelIngestTokens, projects, registeredModels } from "@/db/schema";
import { ForbiddenError, UnauthenticatedError } from "@/lib/actions/safe-error";
import { hashApiToken, looksLikeIngestToken } from "./tokens";

export interface IngestAuth {
  tokenId: string;
  modelId: string;
  projectId: string;
  modelName: string;
}

/**
 * Authorizes a prediction batch or labels: the bearer token must be a live ingest token of the
 * model named in the path (`/api/v1/monitoring/{project}/{model}/…`). Another model's token is 403.
 */
export async function authorizeIngest(db: Db, request: Request, path: { project: string; model: string }): Promise<IngestAuth> {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  if (!match) throw new UnauthenticatedError("Send the model's ingest token as 'Authorization: Bearer ferryingest_…'.");
  const token = match[1]!;
  if (!looksLikeIngestToken(token)) throw new UnauthenticatedError("This is not an ingest token. Ingest tokens start with 'ferryingest_'; create one on the model's page.");
  const [row] = await db
    .select({ id: modelIngestTokens.id, modelId: modelIngestTokens.modelId, projectId: modelIngestTokens.projectId, revokedAt: modelIngestTokens.revokedAt })
    .from(modelIngestTokens)
    .where(eq(modelIngestTokens.tokenHash, hashApiToken(token)));
  if (!row) throw new UnauthenticatedError("Unknown ingest token.");
  if (row.revokedAt) throw new UnauthenticatedError("This ingest token has been revoked.");
  const [model] = await db
    .select({ id: registeredModels.id, name: registeredModels.name })
    .from(registeredModels)
    .innerJoin(projects, eq(projects.id, registeredModels.projectId))
    .where(and(eq(projects.slug, path.project), eq(registeredModels.name, path.model)));
  if (!model) {
    // Only the token's own model is revealed to exist or not.
    throw new ForbiddenError("This ingest token belongs to another model.");
  }
  if (model.id !== row.modelId) throw new ForbiddenError("This ingest token belongs to another model.");
  await db
    .update(modelIngestTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(modelIngestTokens.id, row.id), or(isNull(modelIngestTokens.lastUsedAt), lt(modelIngestTokens.lastUsedAt, sql`now() - interval '1 minute'`))));
  return { tokenId: row.id, modelId: row.modelId, projectId: row.projectId, modelName: model.name };
}
