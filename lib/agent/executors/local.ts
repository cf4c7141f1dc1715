import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { fileURLToPath } from "node:url";
import { deviceIndices, GpuSpecError, type GpuGroup } from "../gpus";
import type { ClaimedJob } from "../protocol";
import { foreignLeader, groupAlive, leaderAlive } from "./processes";
import { JobStartError, type Executor, type JobHandle, type JobPaths, type JobProgress } from "./types";

// Runs jobs as processes on this machine. Each job gets `<work-dir>/<run id>/` with its code, its
// data, output.log and exit-code. The process is detached (its own session and process group) so it
// outlives the agent: a restarted agent finds it again from the pid in its state file, and learns
// how it ended from exit-code, which the wrapper below writes when the command ends.
//
// The wrapper traps TERM with a no-op so that it survives a cancel and can record the command's
// status (143 when TERM killed it). It does not forward TERM: the agent signals the whole process
// group, so the command already got it, and a second TERM could cut short its clean-up. A trap that
// runs a command (unlike an ignored signal) is reset in children, so the command still dies of TERM
// by default. With the command in the foreground, the trap only runs once it has ended, so the
// status read after it is always the command's own. SIGKILL ends the wrapper too: no exit-code file.
const WRAPPER = `echo $$ > "$2.tmp" && mv "$2.tmp" "$2"
trap ':' TERM
cmd=$FERRY_JOB_COMMAND
unset FERRY_JOB_COMMAND
sh -c "$cmd"
status=$?
echo "$status" > "$1.tmp" && mv "$1.tmp" "$1"`;

/** Holds ferry-example-train, put first on every job's PATH. */
export const AGENT_BIN_DIR = fileURLToPath(new URL("../bin", import.meta.url));

const IMAGE_REFUSAL = "the local executor cannot run container images; launch on a Slurm or Kubernetes cluster";

export interface LocalExecutorOptions {
  serverUrl: string;
  workRoot: string;
  gpus: GpuGroup[];
  /** The environment jobs inherit (the agent's own, by default). */
  baseEnv?: Record<string, string | undefined>;
}

export function createLocalExecutor(options: LocalExecutorOptions): Executor {
  const baseEnv = options.baseEnv ?? process.env;
  return {
    kind: "local",
    locate: (jobId) => {
      const workDir = path.join(options.workRoot, jobId.replace(/[^A-Za-z0-9_-]/g, "_"));
      return { workDir, logFile: path.join(workDir, "output.log") };
    },
    start: (job, paths, signal) => startJob(job, paths, signal, options, baseEnv),
    poll,
    stop,
    cleanup: (paths) => rm(path.join(paths.workDir, "data"), { recursive: true, force: true }),
    adopt,
  };
}

async function startJob(job: ClaimedJob, paths: JobPaths, signal: AbortSignal, options: LocalExecutorOptions, baseEnv: Record<string, string | undefined>): Promise<JobHandle> {
  if (job.code && "image" in job.code) throw new JobStartError(IMAGE_REFUSAL);
  const devices = gpuDevices(options.gpus, job);
  await setAsidePreviousAttempt(paths.workDir);
  await mkdir(paths.workDir, { recursive: true });
  const log = await open(paths.logFile, "a");
  try {
    let cwd = paths.workDir;
    if (job.code) cwd = await checkout(job.code, paths.workDir, log.fd, baseEnv, signal);
    const datasetPath = job.dataset?.downloadPath ? await download(job, paths.workDir, options.serverUrl, signal) : null;
    if (signal.aborted) throw new JobStartError("stopped before the job started");
    const env: Record<string, string | undefined> = { ...jobEnvironment(job, { baseEnv, serverUrl: options.serverUrl, devices, datasetPath }), FERRY_JOB_COMMAND: job.command };
    const child = spawn("/bin/sh", ["-c", WRAPPER, "ferry-job", path.join(paths.workDir, "exit-code"), path.join(paths.workDir, "pid")], {
      cwd,
      // Next.js types declare NODE_ENV required in every environment; a job's need not have it.
      env: env as NodeJS.ProcessEnv,
      detached: true,
      stdio: ["ignore", log.fd, log.fd],
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (error) => reject(new JobStartError(`could not start the job: ${error.message}`)));
    });
    child.unref();
    return { ...paths, pid: child.pid! };
  } finally {
    await log.close();
  }
}

function gpuDevices(gpus: GpuGroup[], job: ClaimedJob): number[] {
  try {
    return deviceIndices(gpus, job.gpus.type, job.gpus.indices);
  } catch (error) {
    if (error instanceof GpuSpecError) throw new JobStartError(error.message);
    throw error;
  }
}

/** A run claimed again (after going back to the queue) keeps its earlier attempt's files, renamed. */
async function setAsidePreviousAttempt(workDir: string): Promise<void> {
  const exists = await stat(workDir).then(
    () => true,
    () => false,
  );
  if (exists) await rename(workDir, `${workDir}.previous-${Date.now()}`);
}

export interface JobEnvironmentInput {
  baseEnv: Record<string, string | undefined>;
  serverUrl: string;
  devices: number[];
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
    // Empty, not unset, for a job without GPUs: unset would let it use every GPU of the machine.
    CUDA_VISIBLE_DEVICES: input.devices.join(","),
    PATH: [AGENT_BIN_DIR, input.baseEnv.PATH].filter(Boolean).join(path.delimiter),
  });
  if (job.dataset) env.FERRY_DATASET_URI = job.dataset.uri;
  if (input.datasetPath) env.FERRY_DATASET_PATH = input.datasetPath;
  return env;
}

async function checkout(code: { repo: string; commit: string }, workDir: string, logFd: number, baseEnv: Record<string, string | undefined>, signal: AbortSignal): Promise<string> {
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
async function download(job: ClaimedJob, workDir: string, serverUrl: string, signal: AbortSignal): Promise<string> {
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

async function readExitCode(workDir: string): Promise<number | null> {
  const text = await readFile(path.join(workDir, "exit-code"), "utf8").catch(() => null);
  const code = text === null ? NaN : Number(text.trim());
  return Number.isInteger(code) && text!.trim() !== "" ? code : null;
}

/** The wrapper writes its pid (its process group) first thing: a job the agent lost track of can be found again. */
async function adopt(paths: JobPaths): Promise<JobHandle | null> {
  const text = await readFile(path.join(paths.workDir, "pid"), "utf8").catch(() => null);
  const pid = Number(text?.trim());
  if (!Number.isInteger(pid) || pid <= 1) return null;
  if (foreignLeader(pid, paths.workDir)) return null;
  if (!leaderAlive(pid) && (await readExitCode(paths.workDir)) === null) return null;
  return { ...paths, pid };
}

async function poll(handle: JobHandle): Promise<JobProgress> {
  const code = await readExitCode(handle.workDir);
  // The wrapper (the group's leader) defines the job's end. What the job left running in its group
  // goes with it: the run's GPUs are handed to the next run as soon as this one is reported ended.
  if (code !== null) return ended(handle, code);
  if (leaderAlive(handle.pid) && !foreignLeader(handle.pid, handle.workDir)) return { state: "running" };
  // The wrapper may have written the file between the two looks.
  return ended(handle, await readExitCode(handle.workDir));
}

function ended(handle: JobHandle, exitCode: number | null): JobProgress {
  // With the leader gone its group id cannot be reused while members remain: those are the job's.
  if (!leaderAlive(handle.pid)) signalGroup(handle.pid, "SIGKILL");
  return { state: "exited", exitCode };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

async function waitGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

async function stop(handle: JobHandle, graceMs: number): Promise<void> {
  // A pid from the state file may belong to another process by now (a reboot): leave it alone.
  if (foreignLeader(handle.pid, handle.workDir)) return;
  signalGroup(handle.pid, "SIGTERM");
  if (await waitGone(handle.pid, graceMs)) return;
  signalGroup(handle.pid, "SIGKILL");
  await waitGone(handle.pid, 5_000);
}
