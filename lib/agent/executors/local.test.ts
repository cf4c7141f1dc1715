import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir, waitFor } from "../fake-server";
import { parseGpuSpec } from "../gpus";
import type { ClaimedJob } from "../protocol";
import { createLocalExecutor } from "./local";
import { AGENT_BIN_DIR } from "./prepare";
import { groupAlive } from "./processes";
import { JobStartError, type JobHandle } from "./types";

const root = tempDir("ferry-local-");
const never = new AbortController().signal;
const executor = createLocalExecutor({
  serverUrl: "http://127.0.0.1:1",
  workRoot: path.join(root, "jobs"),
  gpus: parseGpuSpec("h100:4,a100:2"),
  baseEnv: { ...process.env, FERRY_AGENT_TOKEN: "ferryagent_secret", FERRY_AGENT_SERVER: "http://x" },
});

let counter = 0;
function readCmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

function job(overrides: Partial<ClaimedJob> = {}): ClaimedJob {
  counter++;
  return {
    id: `${String(counter).padStart(4, "0")}${"a".repeat(28)}`,
    fence: 1,
    name: `job-${counter}`,
    projectSlug: "demo",
    experimentId: "17",
    command: "echo hello",
    params: {},
    gpus: { type: null, count: 0, indices: [] },
    code: null,
    dataset: null,
    runToken: "ferryrun_token",
    ...overrides,
  };
}

async function start(claimed: ClaimedJob): Promise<JobHandle> {
  return executor.start(claimed, executor.locate(claimed.id), never);
}

async function exitOf(handle: JobHandle): Promise<number | null> {
  let exitCode: number | null | undefined;
  await waitFor("the job to end", async () => {
    const progress = await executor.poll(handle);
    if (progress.state === "exited") exitCode = progress.exitCode;
    return progress.state === "exited";
  });
  return exitCode!;
}

async function run(claimed: ClaimedJob): Promise<{ exitCode: number | null; log: string }> {
  const handle = await start(claimed);
  const exitCode = await exitOf(handle);
  return { exitCode, log: readFileSync(handle.logFile, "utf8") };
}

const servers: http.Server[] = [];
afterAll(() => {
  servers.forEach((s) => s.close());
  removeTempDirs();
});

describe("local executor", () => {
  it("runs a command in its work dir and records its exit code", async () => {
    const claimed = job({ command: "echo hello; pwd; echo oops >&2" });
    expect(await run(claimed)).toEqual({ exitCode: 0, log: `hello\n${executor.locate(claimed.id).workDir}\noops\n` });
    expect(await run(job({ command: "echo failing; exit 3" }))).toEqual({ exitCode: 3, log: "failing\n" });
  });

  it.each([
    ["exit 1", 1],
    ["kill -KILL $$", 137],
    ["kill -TERM $$", 143],
  ])("reports the shell's status for `%s`", async (command, exitCode) => {
    expect((await run(job({ command }))).exitCode).toBe(exitCode);
  });

  it("gives the job its environment, without the agent's own settings", async () => {
    const claimed = job({
      name: "lr-sweep-3",
      params: { lr: "0.01", epochs: "5" },
      gpus: { type: "a100", count: 1, indices: [1] },
      command: 'for v in MLFLOW_TRACKING_URI MLFLOW_RUN_ID MLFLOW_EXPERIMENT_ID MLFLOW_TRACKING_TOKEN FERRY_PARAMS FERRY_RUN_NAME CUDA_VISIBLE_DEVICES FERRY_AGENT_TOKEN FERRY_AGENT_SERVER FERRY_JOB_COMMAND FERRY_DATASET_URI; do eval "echo $v=\\${$v-unset}"; done; command -v ferry-example-train',
    });
    const { exitCode, log } = await run(claimed);
    expect(exitCode).toBe(0);
    expect(log.trim().split("\n")).toEqual([
      "MLFLOW_TRACKING_URI=http://127.0.0.1:1",
      `MLFLOW_RUN_ID=${claimed.id}`,
      "MLFLOW_EXPERIMENT_ID=17",
      "MLFLOW_TRACKING_TOKEN=ferryrun_token",
      'FERRY_PARAMS={"lr":"0.01","epochs":"5"}',
      "FERRY_RUN_NAME=lr-sweep-3",
      "CUDA_VISIBLE_DEVICES=5",
      "FERRY_AGENT_TOKEN=unset",
      "FERRY_AGENT_SERVER=unset",
      "FERRY_JOB_COMMAND=unset",
      "FERRY_DATASET_URI=unset",
      path.join(AGENT_BIN_DIR, "ferry-example-train"),
    ]);
  });

  it("hides every GPU from a job that asked for none, and maps several", async () => {
    const show = 'echo "[${CUDA_VISIBLE_DEVICES-unset}]"';
    expect((await run(job({ command: show }))).log).toBe("[]\n");
    expect((await run(job({ command: show, gpus: { type: "h100", count: 2, indices: [2, 3] } }))).log).toBe("[2,3]\n");
    await expect(start(job({ gpus: { type: "a100", count: 1, indices: [2] } }))).rejects.toThrow(/a100 #2 does not exist/);
  });

  it("cancels with SIGTERM, and SIGKILLs a job that ignores it after the grace period", async () => {
    const polite = await start(job({ command: "echo started; sleep 30" }));
    await waitFor("the job to print", () => readFileSync(polite.logFile, "utf8").includes("started"));
    await executor.stop(polite, 10_000);
    expect(groupAlive(Number(polite.ref))).toBe(false);
    expect(await exitOf(polite)).toBe(143);

    const stubborn = await start(job({ command: "trap '' TERM; echo started; sleep 30" }));
    await waitFor("the job to print", () => readFileSync(stubborn.logFile, "utf8").includes("started"));
    await executor.stop(stubborn, 300);
    expect(groupAlive(Number(stubborn.ref))).toBe(false);
    // SIGKILL ends the wrapper too: no exit code recorded.
    expect(await exitOf(stubborn)).toBeNull();
  });

  it("stops what a job left running in its group once the job has ended", async () => {
    const marker = `ferry-left-behind-${process.pid}-${Date.now()}`;
    const { exitCode } = await run(job({ command: `sh -c 'sleep 30; : ${marker}' & echo started` }));
    expect(exitCode).toBe(0);
    await waitFor("the left-behind process to go", () => !readdirSync("/proc").some((p) => /^\d+$/.test(p) && readCmdline(p).includes(marker)));
  });

  it("leaves alone a process that took over a job's old pid (it works outside the job's directory)", async () => {
    const claimed = job();
    const paths = executor.locate(claimed.id);
    mkdirSync(paths.workDir, { recursive: true });
    const stranger = spawn("sleep", ["30"], { cwd: root, detached: true, stdio: "ignore" });
    await new Promise((r) => stranger.once("spawn", r));
    try {
      const handle = { ...paths, ref: String(stranger.pid!) };
      writeFileSync(path.join(paths.workDir, "pid"), String(stranger.pid));
      await executor.stop(handle, 100);
      expect(groupAlive(stranger.pid!)).toBe(true);
      expect(await executor.poll(handle)).toEqual({ state: "exited", exitCode: null });
      expect(await executor.adopt(claimed.id, paths)).toBeNull();
    } finally {
      process.kill(-stranger.pid!, "SIGKILL");
    }
  });

  it("finds a started job again from its work dir when its handle was never saved", async () => {
    const claimed = job({ command: "echo started; sleep 30" });
    const handle = await start(claimed);
    await waitFor("the job to print", () => readFileSync(handle.logFile, "utf8").includes("started"));
    const adopted = await executor.adopt(claimed.id, executor.locate(claimed.id));
    expect(adopted?.ref).toBe(handle.ref);
    await executor.stop(adopted!, 10_000);
    expect(groupAlive(Number(handle.ref))).toBe(false);
    // Ended: still found (its exit code tells how); never started: nothing to find.
    expect((await executor.adopt(claimed.id, executor.locate(claimed.id)))?.ref).toBe(handle.ref);
    const never = job().id;
    expect(await executor.adopt(never, executor.locate(never))).toBeNull();
  });

  it("clones the job's repository and checks out its commit", async () => {
    const repo = path.join(root, "repo.git");
    const scratch = path.join(root, "scratch");
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main", ...args], { cwd: scratch, encoding: "utf8" }).trim();
    mkdirSync(scratch);
    git("init", "--quiet", "--bare", repo);
    git("init", "--quiet");
    writeFileSync(path.join(scratch, "train.sh"), "echo version 1\n");
    git("add", "train.sh");
    git("commit", "--quiet", "-m", "one");
    const first = git("rev-parse", "HEAD");
    writeFileSync(path.join(scratch, "train.sh"), "echo version 2\n");
    git("commit", "--quiet", "-am", "two");
    git("push", "--quiet", repo, "HEAD:main");

    const ran = await run(job({ command: "sh train.sh; git rev-parse HEAD", code: { repo: `file://${repo}`, commit: first } }));
    expect(ran).toEqual({ exitCode: 0, log: `version 1\n${first}\n` });

    const missing = job({ code: { repo: `file://${root}/nowhere.git`, commit: first } });
    await expect(start(missing)).rejects.toThrow(new JobStartError(`git clone of file://${root}/nowhere.git failed (exit code 128)`));
    expect(readFileSync(executor.locate(missing.id).logFile, "utf8")).toMatch(/does not appear to be a git repository|not found/i);
    await expect(start(job({ code: { repo: `file://${repo}`, commit: "--upload-pack=evil" } }))).rejects.toThrow(/is not a commit/);
  });

  it("refuses container images", async () => {
    await expect(start(job({ code: { image: "ghcr.io/acme/train:1" } }))).rejects.toThrow(
      new JobStartError("the local executor cannot run container images; launch on a Slurm or Kubernetes cluster"),
    );
  });

  it("downloads the dataset with the run token, and deletes the copy on clean-up", async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      if (req.headers.authorization !== "Bearer ferryrun_token") return void res.writeHead(403).end();
      res.writeHead(200).end("a,b\n1,2\n");
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const withData = createLocalExecutor({ serverUrl, workRoot: path.join(root, "jobs"), gpus: [] });
    const dataset = { uri: "ferry://demo/datasets/subscribers/versions/2", downloadPath: "/api/v1/files/42", fileName: "../subscribers.csv" };
    const claimed = job({ dataset, command: 'echo "$FERRY_DATASET_PATH $FERRY_DATASET_URI"; cat "$FERRY_DATASET_PATH"' });
    const paths = withData.locate(claimed.id);
    const handle = await withData.start(claimed, paths, never);
    await waitFor("the job to end", async () => (await withData.poll(handle)).state === "exited");
    const file = path.join(paths.workDir, "data", "subscribers.csv");
    expect(readFileSync(paths.logFile, "utf8")).toBe(`${file} ${dataset.uri}\na,b\n1,2\n`);
    expect(seen).toEqual(["/api/v1/files/42 Bearer ferryrun_token"]);
    await withData.cleanup(paths);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(paths.logFile)).toBe(true);

    const refused = job({ dataset, runToken: "ferryrun_revoked" });
    await expect(withData.start(refused, withData.locate(refused.id), never)).rejects.toThrow(`downloading the dataset ${dataset.uri} failed: HTTP 403`);
  });
});
