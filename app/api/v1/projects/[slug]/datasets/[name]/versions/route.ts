import { connection, NextResponse, type NextRequest } from "next/server";
import { getDb } from "@/db";
import { SafeError } from "@/lib/actions/safe-error";
import { streamMultipartFile } from "@/lib/api/multipart";
import { errorResponse, parseJsonBody, parseQuery } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { uploadLimitBytes } from "@/lib/env";
import { listVersions } from "@/lib/datasets/queries";
import { referenceVersionSchema, versionsPageSchema } from "@/lib/datasets/schemas";
import { registerReference, registerUpload, requireDataset } from "@/lib/datasets/service";
import { formatBytes } from "@/lib/format";

type Params = { params: Promise<{ slug: string; name: string }> };

export async function GET(request: NextRequest, { params }: Params) {
  await connection();
  try {
    const { slug, name } = await params;
    const { project } = await authorizeApiRequest(request, "projects.read", { projectSlug: slug });
    const page = parseQuery(versionsPageSchema, request.nextUrl.searchParams);
    const db = await getDb();
    const dataset = await requireDataset(db, project.id, name);
    return NextResponse.json(await listVersions(db, project.id, dataset.id, page));
  } catch (e) {
    return errorResponse(e);
  }
}

// Multipart overhead allowed on top of the file itself before the Content-Length check refuses.
const MULTIPART_SLACK = 64 * 1024;

/**
 * Registers a new version: multipart with the CSV in field `file` (streamed, never buffered), or
 * JSON `{uri, sha256, rowCount?, columns?}` for data that lives elsewhere.
 */
export async function POST(request: NextRequest, { params }: Params) {
  await connection();
  try {
    const { slug, name } = await params;
    // Authorization comes before the body is read: a refused upload costs nothing and writes nothing.
    const { actor, project } = await authorizeApiRequest(request, "datasets.write", { projectSlug: slug });
    const db = await getDb();
    const type = request.headers.get("content-type") ?? "";
    let created;
    if (type.startsWith("application/json")) {
      const input = await parseJsonBody(request, referenceVersionSchema, '{"uri": "s3://bucket/data.csv", "sha256": "<64 hex>"}', 1024 * 1024);
      created = await registerReference(db, actor, project, name, input);
    } else if (type.startsWith("multipart/form-data")) {
      const declared = Number(request.headers.get("content-length") ?? NaN);
      if (declared > uploadLimitBytes + MULTIPART_SLACK) {
        throw new SafeError(`The file is larger than the ${formatBytes(uploadLimitBytes)} limit.`, 413, "file");
      }
      const file = await streamMultipartFile(request, "file");
      try {
        created = await registerUpload(db, actor, project, name, { filename: file.filename, body: file.body });
      } catch (e) {
        file.abort();
        // The client went away mid-upload (cancel, closed tab): nothing was saved; not a server error.
        if (!(e instanceof SafeError) && (request.signal.aborted || (e as { code?: string }).code === "ECONNRESET")) {
          throw new SafeError("The upload was interrupted before it finished; nothing was saved.", 400);
        }
        throw e;
      }
    } else {
      throw new SafeError(
        'Send the CSV as multipart/form-data (field "file"), or JSON {"uri", "sha256", "rowCount"?, "columns"?} for a reference.',
        415,
      );
    }
    return NextResponse.json(created, { status: 201 });
  } catch (e) {
    return errorResponse(e);
  }
}
