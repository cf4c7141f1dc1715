import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, rename, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { fileURLToPath } from "node:url";
import type { ClaimedJob } from "../protocol";
import { JobStartError } from "./types";

// What every executor that runs jobs from a work dir on this machine's filesystem shares: the job's
// environment, the git checkout and the dataset download (done by the agent, which can reach git and
// Ferry; a Slurm compute node may not).

/**
 * `<work root>/<run id>/` and its output.log. Work dirs are created 0700 (`workDirMode`): on a shared
 * filesystem, other users of the cluster must not read a run's data or log.
 */
export function workPaths(workRoot: string, jobId: string): { workDir: string; logFile: string } {
  const workDir = path.join(workRoot, jobId.replace(/[^A-Za-z0-9_-]/g, "_"));
  return { workDir, logFile: path.join(workDir, "output.log") };
}

export const workDirMode = 0o700;

/** Holds ferry-example-train, put first on every job's PATH. */
export const AGENT_BIN_DIR = fileURLToPath(new URL("../bin", import.meta.url));

/** A run claimed again (after going back to the queue) keeps its earlier attempt's files, renamed. */
export async function setAsidePreviousAttempt(workDir: string): Promise<void> {
  const exists = await stat(workDir).then(
    () => true,
    () => false,
  );
  if (exists) await rename(workDir, `${workDir}.previous-${Date.now()}`);
}

export interface JobEnvironmentInput {
  baseEnv: Record<string, string | undefined>;
  serverUrl: string;
  /** CUDA device indices; null when the cluster's scheduler sets CUDA_VISIBLE_DEVICES itself (Slurm). */
  devices: number[] | null;
  datasetPath: string | null;
}

/** The job's environment: the agent's own minus its FERRY_AGENT_* settings (the agent token!), plus what the job needs. */
export function jobEnvironment(job: ClaimedJob, input: JobEnvironmentInput): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(input.baseEnv)) {
    if (!key.startsWith("FERRY_AGENT_") && key !== "FERRY_DATASET_PATH" && key !== "FERRY_DATASET_URI") env[key] = value;
  }
  Object.assign(env, {
    MLFLOW_TRACKING_URI: input.serverUrl,
    MLFLOW_RUN_ID: job.id,
    MLFLOW_EXPERIMENT_ID: job.experimentId,
    MLFLOW_TRACKING_TOKEN: job.runToken,
    FERRY_PARAMS: JSON.stringify(job.params),
    FERRY_RUN_NAME: job.name,
    PATH: [AGENT_BIN_DIR, input.baseEnv.PATH].filter(Boolean).join(path.delimiter),
  });
  // Empty, not unset, for a job without GPUs: unset would let it use every GPU of the machine.
  if (input.devices) env.CUDA_VISIBLE_DEVICES = input.devices.join(",");
  else delete env.CUDA_VISIBLE_DEVICES;
  if (job.dataset) env.FERRY_DATASET_URI = job.dataset.uri;
  if (input.datasetPath) env.FERRY_DATASET_PATH = input.datasetPath;
  return env;
}

export async function checkout(code: { repo: string; commit: string }, workDir: string, logFd: number, baseEnv: Record<string, string | undefined>, signal: AbortSignal): Promise<string> {
  if (!/^[0-9A-Za-z][0-9A-Za-z._/-]*$/.test(code.commit)) throw new JobStartError(`"${code.commit}" is not a commit, branch or tag name`);
  const dir = path.join(workDir, "code");
  const env = { ...baseEnv, GIT_TERMINAL_PROMPT: "0" };
  const clone = await run("git", ["clone", "--quiet", "--", code.repo, dir], workDir, logFd, env, signal);
  if (clone !== 0) throw new JobStartError(`git clone of ${redact(code.repo)} failed (exit code ${clone})`);
  const checkedOut = await run("git", ["-C", dir, "checkout", "--quiet", code.commit], workDir, logFd, env, signal);
  if (checkedOut !== 0) throw new JobStartError(`git checkout of ${code.commit} in ${redact(code.repo)} failed (exit code ${checkedOut})`);
  return dir;
}

/** Exit code of a command whose output goes to the job's log. */
function run(command: string, args: string[], cwd: string, logFd: number, env: Record<string, string | undefined>, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: env as NodeJS.ProcessEnv, stdio: ["ignore", logFd, logFd], signal });
    child.once("error", (error) => reject(signal.aborted ? new JobStartError("stopped while fetching the code") : new JobStartError(`could not run ${command}: ${error.message}`)));
    child.once("close", (code) => resolve(code ?? 128));
  });
}

/** A repository URL without its password or token, fit for a message. */
function redact(repo: string): string {
  try {
    const url = new URL(repo);
    if (!url.username && !url.password) return repo;
    url.username = "***";
    url.password = "";
    return url.toString();
  } catch {
    return repo;
  }
}

/** Downloads the dataset from Ferry with the run token (never to another host) into <work dir>/data/. */
export async function download(job: ClaimedJob, workDir: string, serverUrl: string, signal: AbortSignal): Promise<string> {
  const dataset = job.dataset!;
  const url = new URL(dataset.downloadPath!, serverUrl + "/");
  if (url.origin !== new URL(serverUrl).origin) throw new JobStartError(`the dataset's download address is not on ${serverUrl}`);
  const name = path.basename(dataset.fileName ?? "") || path.basename(url.pathname) || "dataset";
  const file = path.join(workDir, "data", name === "." || name === ".." ? "dataset" : name);
  await mkdir(path.dirname(file), { recursive: true });
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${job.runToken}` }, signal });
  } catch (error) {
    throw new JobStartError(`downloading the dataset ${dataset.uri} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok || !response.body) throw new JobStartError(`downloading the dataset ${dataset.uri} failed: HTTP ${response.status}`);
  try {
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), createWriteStream(file));
  } catch (error) {
    throw new JobStartError(`downloading the dataset ${dataset.uri} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return file;
}

