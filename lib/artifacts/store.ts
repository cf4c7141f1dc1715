import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { dataDir } from "@/lib/env";

// The embedded artifact store: files under <data dir>/artifacts (DESIGN §3; an S3-compatible store
// replaces it in production later). Keys are relative POSIX paths built by Ferry itself from ids;
// `resolveKey` still refuses anything that would leave the root.

const keyPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

let rootOverride: string | null = null;

/** Tests point the store at a temporary directory. */
export function setArtifactRootForTests(dir: string | null): void {
  rootOverride = dir;
}

export function artifactRoot(): string {
  return rootOverride ?? path.join(dataDir, "artifacts");
}

export function resolveKey(key: string): string {
  if (!keyPattern.test(key) || key.split("/").some((s) => s === "." || s === "..")) {
    throw new Error(`invalid artifact key: ${JSON.stringify(key)}`);
  }
  const root = artifactRoot();
  const full = path.resolve(root, key);
  if (!full.startsWith(root + path.sep)) throw new Error(`artifact key escapes the store: ${key}`);
  return full;
}

/** A private scratch directory for an upload in progress; moved into place with `commitStaging`. */
export async function createStaging(): Promise<{ dir: string; discard: () => Promise<void> }> {
  const dir = path.join(artifactRoot(), "tmp", crypto.randomUUID());
  await fs.promises.mkdir(dir, { recursive: true });
  return { dir, discard: () => fs.promises.rm(dir, { recursive: true, force: true }) };
}

/** Moves a staging directory to its final key (same file system, so the rename is atomic). */
export async function commitStaging(stagingDir: string, key: string): Promise<void> {
  const target = resolveKey(key);
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  await fs.promises.rename(stagingDir, target);
}

export async function removeKey(key: string): Promise<void> {
  await fs.promises.rm(resolveKey(key), { recursive: true, force: true });
}

// The store lives in the data dir, not in the project: the ignore comments keep Turbopack from
// tracing (and bundling) the whole project because of these runtime paths.
export function openKey(key: string): fs.ReadStream {
  return fs.createReadStream(/*turbopackIgnore: true*/ resolveKey(key));
}

export async function statKey(key: string): Promise<fs.Stats | null> {
  return fs.promises.stat(/*turbopackIgnore: true*/ resolveKey(key)).catch(() => null);
}

/** Removes staging directories older than a day (left by a crash mid-upload). */
export async function sweepStaging(maxAgeMs = 86_400_000): Promise<void> {
  const tmp = path.join(artifactRoot(), "tmp");
  const entries = await fs.promises.readdir(tmp, { withFileTypes: true }).catch(() => []);
  const cutoff = Date.now() - maxAgeMs;
  for (const e of entries) {
    const full = path.join(tmp, e.name);
    const st = await fs.promises.stat(full).catch(() => null);
    if (st && st.mtimeMs < cutoff) await fs.promises.rm(full, { recursive: true, force: true });
  }
}
