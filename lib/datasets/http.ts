import "server-only";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { authorizeApiRequest } from "@/lib/auth/session";
import { getVersion } from "./queries";
import { versionNumberSchema } from "./schemas";
import { requireDataset } from "./service";

/** For `…/datasets/{name}/versions/{n}` route handlers: authorize the read, then find the version. */
export async function readVersionForRequest(request: Request, params: { slug: string; name: string; version: string }) {
  const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: params.slug });
  const n = versionNumberSchema.safeParse(params.version);
  if (!n.success) throw new NotFoundError(`Version "${params.version}" not found.`);
  const db = await getDb();
  const dataset = await requireDataset(db, project.id, params.name);
  const version = await getVersion(db, project.id, dataset.id, n.data);
  return { project, dataset, version };
}
