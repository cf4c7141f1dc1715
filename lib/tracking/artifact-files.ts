import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { uploadLimitBytes } from "@/lib/env";
import { artifactRoot } from "@/lib/artifacts/store";
import { invalid } from "./errors";
import type { RunRef } from "./service";

// A run's artifact files: <data dir>/artifacts/runs/<run id>/<path>. Shared by the artifact proxy
// (./artifacts.ts, over HTTP) and by in-process writers (ServiceSink), and kept apart from the
// proxy so those writers do not load the HTTP layer (authentication, Next.js) to save a file.
// Every path is checked segment by segment before it touches the file system and resolved paths must
// stay inside their run's root (MLflow's CVE-2023-6730, -2356 and -2780 were traversals here).

const encodedSeparatorOrDot = /%(2e|2f|5c|25|00)/i;

/**
 * Splits an artifact path (already percent-decoded once) into safe segments, or refuses it:
 * absolute paths, empty segments, "." and "..", backslashes, NUL and control characters, drive
 * letters, and anything still percent-encoded after decoding (double encoding).
 */
export function safeSegments(decoded: string, what = "artifact path"): string[] {
  const refuse = (why: string): never => {
    throw invalid(`Invalid ${what} '${decoded}': ${why}.`);
  };
  if (decoded.startsWith("/") || /^[A-Za-z]:/.test(decoded)) refuse("absolute paths are not allowed");
  if (decoded.includes("\\")) refuse("backslashes are not allowed");
  if (/[\u0000-\u001f\u007f]/.test(decoded)) refuse("control characters are not allowed");
  if (encodedSeparatorOrDot.test(decoded)) refuse("percent-encoded dots, slashes or backslashes are not allowed (double encoding)");
  if (decoded === "") return [];
  const segments = decoded.split("/");
  for (const s of segments) {
    if (s === "") refuse("empty path segments are not allowed");
    if (s === "." || s === "..") refuse("'.' and '..' are not allowed");
  }
  return segments;
}

export function runArtifactRoot(runId: string): string {
  return path.join(artifactRoot(), "runs", runId);
}

/** The file-system path of `segments` under the run's root, checked to stay inside it. */
export function confinedPath(runId: string, segments: string[]): string {
  const root = runArtifactRoot(runId);
  const full = path.resolve(root, ...segments);
  if (full !== root && !full.startsWith(root + path.sep)) throw invalid("Invalid artifact path: it leaves the run's artifact root.");
  return full;
}

const partialPattern = /\.[0-9a-f-]{36}\.partial$/;

/** A file still being written by writeRunArtifact: listings leave it out. */
export function isPartialFile(name: string): boolean {
  return partialPattern.test(name);
}

const tooLarge = () => invalid(`The artifact exceeds the upload limit of ${uploadLimitBytes} bytes (FERRY_UPLOAD_LIMIT_MB).`);

/**
 * Writes (or replaces) the file `segments` below the run's `artifacts/` root. The segments are
 * checked again, the resolved path must stay inside the run's root, and the file is written beside
 * its destination then renamed: a reader never sees half a file, a failed write leaves none.
 * Streams are counted against the upload limit as they arrive.
 */
export async function writeRunArtifact(run: RunRef, segments: readonly string[], content: string | Uint8Array | Readable): Promise<void> {
  if (run.lifecycleStage !== "active") throw invalid(`The run ${run.id} must be in the 'active' state. Current state is ${run.lifecycleStage}.`);
  const rel = safeSegments(segments.join("/"));
  if (!rel.length) throw invalid("An artifact needs a file name.");
  const dest = confinedPath(run.id, rel);
  const existing = await fs.promises.stat(/*turbopackIgnore: true*/ dest).catch(() => null);
  if (existing?.isDirectory()) throw invalid(`'${rel.join("/")}' is a directory.`);
  const body = content instanceof Readable ? content : Readable.from([typeof content === "string" ? Buffer.from(content, "utf8") : content]);
  await fs.promises.mkdir(/*turbopackIgnore: true*/ path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${crypto.randomUUID()}.partial`;
  try {
    let size = 0;
    body.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > uploadLimitBytes) body.destroy(tooLarge());
    });
    await pipeline(body, fs.createWriteStream(/*turbopackIgnore: true*/ tmp));
    await fs.promises.rename(/*turbopackIgnore: true*/ tmp, dest);
  } catch (e) {
    await fs.promises.rm(/*turbopackIgnore: true*/ tmp, { force: true });
    throw e;
  }
}
