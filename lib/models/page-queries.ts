import "server-only";
import { and, asc, eq, isNull } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "@/db";
import { deployments, modelVersions, registeredModels } from "@/db/schema";

// Small reads for the model pages and the run page's "Register model" panel, scoped to the project
// like every query.

/** The project's model names, for the register form's suggestions. */
export async function listModelNames(db: Db, projectId: string): Promise<string[]> {
  const rows = await db
    .select({ name: registeredModels.name })
    .from(registeredModels)
    .where(eq(registeredModels.projectId, projectId))
    .orderBy(asc(registeredModels.name));
  return rows.map((r) => r.name);
}

/** Model versions registered from one run of the project, oldest first. */
export async function listVersionsOfRun(db: Db, projectId: string, runId: string): Promise<{ model: string; version: number }[]> {
  return db
    .select({ model: registeredModels.name, version: modelVersions.version })
    .from(modelVersions)
    .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId))
    .where(and(eq(modelVersions.projectId, projectId), eq(modelVersions.runId, runId)))
    .orderBy(asc(modelVersions.createdAt));
}

/**
 * The version a rollback of the environment would restore (the current deployment's previous one),
 * or null when nothing is deployed or there is nothing before it. The service decides for real.
 */
export async function getRollbackTarget(db: Db, projectId: string, modelId: string, environment: "staging" | "production"): Promise<number | null> {
  const previous = alias(deployments, "previous");
  const [row] = await db
    .select({ version: modelVersions.version })
    .from(deployments)
    .innerJoin(previous, eq(previous.id, deployments.previousId))
    .innerJoin(modelVersions, eq(modelVersions.id, previous.versionId))
    .where(and(eq(deployments.projectId, projectId), eq(deployments.modelId, modelId), eq(deployments.environment, environment), isNull(deployments.endedAt)));
  return row?.version ?? null;
}
