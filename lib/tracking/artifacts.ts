import "server-only";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { connection } from "next/server";
import { getDb } from "@/db";
import { uploadLimitBytes } from "@/lib/env";
import { authorizeActor } from "@/lib/auth/authorize";
import { MlflowError, invalid, notFound } from "./errors";
import { authenticate, mlflowErrorResponse } from "./respond";
import { onRunArtifactsChanged } from "@/lib/models/service";
import { confinedPath, isPartialFile, safeSegments, writeRunArtifact } from "./artifact-files";
import { requireRun, type RunRef } from "./service";

// MLflow's artifact proxy (/api/2.0/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/<path>):
// PUT uploads, GET downloads, GET ?path= lists. Files live under <data dir>/artifacts/runs/<run id>/
// and are written by writeRunArtifact (./artifact-files.ts), which checks every path as this proxy does.

/** Decodes the raw (still percent-encoded) path of a request once; malformed encodings are refused. */
export function decodeRawPath(raw: string): string {
  if (raw.includes("\\") || /%5c/i.test(raw)) throw invalid(`Invalid artifact path '${raw}': backslashes are not allowed.`);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid(`Invalid artifact path '${raw}': malformed percent-encoding.`);
  }
}

interface ArtifactTarget {
  run: RunRef;
  /** Segments below the run's `artifacts/` root. */
  rel: string[];
}

/** `<experiment id>/<run id>/artifacts/<rel…>` → the run (authorized) and the relative path. */
async function resolveTarget(request: Request, segments: string[], write: boolean): Promise<ArtifactTarget> {
  const [experimentId, runId, artifacts, ...rel] = segments;
  if (!experimentId || !runId || artifacts !== "artifacts") {
    throw invalid(`Invalid artifact path '${segments.join("/")}': expected <experiment id>/<run id>/artifacts/<path>.`);
  }
  const db = await getDb();
  const actor = await authenticate(db, request);
  if (actor.runId && actor.runId !== runId) throw new MlflowError("PERMISSION_DENIED", "A run token can only read and write its own run's artifacts.");
  const run = await requireRun(db, runId);
  if (run.projectId !== experimentId) throw notFound(`Run with id=${runId} not found in experiment ${experimentId}`);
  await authorizeActor(db, actor, write ? "runs.log" : "projects.read", { projectId: run.projectId });
  if (write && run.lifecycleStage !== "active") throw invalid(`The run ${run.id} must be in the 'active' state. Current state is deleted.`);
  return { run, rel };
}

/**
 * The artifact path of a request to /api/2.0/mlflow-artifacts/artifacts/<path>, from the raw URL
 * (so "%2e%2e%2f" is seen before anything decodes it) and from the router's segments (which
 * still show a literal ".." that URL normalisation may have removed from request.url).
 */
function requestPath(request: Request, routeSegments: string[] | undefined): string {
  for (const s of routeSegments ?? []) safeSegments(s);
  const pathname = new URL(request.url).pathname;
  const marker = "/mlflow-artifacts/artifacts";
  const at = pathname.indexOf(marker);
  const raw = at < 0 ? "" : pathname.slice(at + marker.length).replace(/^\//, "");
  return decodeRawPath(raw);
}

export async function handleArtifactRequest(request: Request, routeSegments: string[] | undefined): Promise<Response> {
  await connection();
  try {
    const decoded = requestPath(request, routeSegments);
    if (request.method === "GET" && decoded === "") {
      const listPath = new URL(request.url).searchParams.get("path") ?? "";
      return await listForProxy(request, listPath);
    }
    const segments = safeSegments(decoded);
    if (request.method === "PUT") return await upload(request, segments);
    if (request.method === "GET") return await download(request, segments);
    throw new MlflowError("ENDPOINT_NOT_FOUND", `The artifact proxy takes GET and PUT, not ${request.method}.`);
  } catch (e) {
    return mlflowErrorResponse(e);
  }
}

async function upload(request: Request, segments: string[]): Promise<Response> {
  const target = await resolveTarget(request, segments, true);
  if (!target.rel.length) throw invalid("Give the artifact a file name: PUT …/artifacts/<experiment>/<run>/artifacts/<path>.");
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > uploadLimitBytes) throw invalid(`The artifact exceeds the upload limit of ${uploadLimitBytes} bytes (FERRY_UPLOAD_LIMIT_MB).`);
  const body = request.body ? Readable.fromWeb(request.body as import("node:stream/web").ReadableStream) : Readable.from([]);
  await writeRunArtifact(target.run, target.rel, body);
  // A model version registered from these files must not change unnoticed: its digest is updated
  // and its open promotion requests are voided.
  await onRunArtifactsChanged(await getDb(), target.run.id, target.rel);
  return Response.json({});
}

async function download(request: Request, segments: string[]): Promise<Response> {
  const target = await resolveTarget(request, segments, false);
  const file = confinedPath(target.run.id, target.rel);
  const st = await fs.promises.stat(/*turbopackIgnore: true*/ file).catch(() => null);
  if (!st?.isFile()) throw notFound(`Artifact '${target.rel.join("/")}' not found.`);
  const stream = Readable.toWeb(fs.createReadStream(/*turbopackIgnore: true*/ file)) as ReadableStream;
  const name = target.rel.at(-1) ?? "artifact";
  return new Response(stream, {
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(st.size),
      "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
      "x-content-type-options": "nosniff",
    },
  });
}

async function listForProxy(request: Request, listPath: string): Promise<Response> {
  const segments = safeSegments(listPath, "path");
  const target = await resolveTarget(request, segments, false);
  const files = await listDir(target.run.id, target.rel);
  // The proxy answers base names; the client joins them to the path it asked for.
  return Response.json({ files: files.map((f) => ({ ...f, path: f.path.split("/").at(-1)! })) });
}

/** For the tracking API's artifacts/list: paths relative to the run's artifact root. */
export async function listRunArtifacts(run: RunRef, relPath: string) {
  return listDir(run.id, safeSegments(relPath, "path"));
}

async function listDir(runId: string, rel: string[]) {
  const dir = confinedPath(runId, rel);
  const entries = await fs.promises.readdir(/*turbopackIgnore: true*/ dir, { withFileTypes: true }).catch(() => []);
  const prefix = rel.length ? rel.join("/") + "/" : "";
  const out: { path: string; is_dir: boolean; file_size?: number }[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (isPartialFile(e.name)) continue;
    if (e.isDirectory()) out.push({ path: prefix + e.name, is_dir: true });
    else if (e.isFile()) {
      const st = await fs.promises.stat(/*turbopackIgnore: true*/ path.join(dir, e.name));
      out.push({ path: prefix + e.name, is_dir: false, file_size: st.size });
    }
  }
  return out;
}

export interface ArtifactFile {
  path: string;
  size: number;
}

/** Every file of a run (for its page), breadth first, at most `max`; `truncated` when there were more. */
export async function listAllRunArtifacts(runId: string, max = 200): Promise<{ files: ArtifactFile[]; truncated: boolean }> {
  const files: ArtifactFile[] = [];
  const queue: string[][] = [[]];
  while (queue.length) {
    const rel = queue.shift()!;
    for (const entry of await listDir(runId, rel)) {
      if (entry.is_dir) queue.push(entry.path.split("/"));
      else if (files.length < max) files.push({ path: entry.path, size: entry.file_size ?? 0 });
      else return { files, truncated: true };
    }
  }
  return { files, truncated: false };
}
