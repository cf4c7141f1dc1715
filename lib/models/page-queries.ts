import "server-only";
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { modelVersions, registeredModels } from "@/db/schema";

// Small reads for the run page's "Register model" panel. Scoped to the project like every query.

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
