import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { confinedPath, isPartialFile } from "@/lib/tracking/artifact-files";

// The digest of a model version's artifacts: sha256 over the sorted list of (relative path, sha256
// of the file) below the version's directory in its run's artifact root. Any added, removed, renamed
// or rewritten file changes it. Uploads in progress (*.partial) are not part of the model.


async function fileSha256(file: string): Promise<string> {
  const hash = crypto.createHash("sha256");
  for await (const chunk of fs.createReadStream(/*turbopackIgnore: true*/ file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

async function listFiles(dir: string, prefix: string, out: string[]): Promise<void> {
  const entries = await fs.promises.readdir(/*turbopackIgnore: true*/ dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) await listFiles(path.join(dir, e.name), rel, out);
    else if (e.isFile() && !isPartialFile(e.name)) out.push(rel);
  }
}

export interface ArtifactDigest {
  /** null when there are no files (nothing logged there yet). */
  digest: string | null;
  files: number;
}

export async function artifactDigest(runId: string, segments: string[]): Promise<ArtifactDigest> {
  const root = confinedPath(runId, segments);
  const stat = await fs.promises.stat(/*turbopackIgnore: true*/ root).catch(() => null);
  if (!stat) return { digest: null, files: 0 };
  if (stat.isFile()) {
    const name = segments[segments.length - 1] ?? "";
    const digest = crypto.createHash("sha256").update(`${name}\0${await fileSha256(root)}\n`).digest("hex");
    return { digest, files: 1 };
  }
  const files: string[] = [];
  await listFiles(root, "", files);
  if (files.length === 0) return { digest: null, files: 0 };
  files.sort();
  const hash = crypto.createHash("sha256");
  for (const rel of files) hash.update(`${rel}\0${await fileSha256(path.join(root, rel))}\n`);
  return { digest: hash.digest("hex"), files: files.length };
}
