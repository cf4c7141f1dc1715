import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSlurmExecutor, gresOption, parseGres, parseScontrolJob, parseSinfo, parseSlurmExitCode, parseSqueue, sbatchMessage, slurmProgress } from "./slurm";

// The Slurm executor's reading of Slurm's output, from text Slurm 22.05 printed on this machine's
// test cluster (.ci/slurm.sh). The executor against the real daemons: lib/clusters/slurm.test.ts.

describe("Slurm executor: reading Slurm's output", () => {
  it("maps every Slurm job state to Ferry's, with the pending reason and how the job ended", () => {
    expect(slurmProgress("42", { state: "PENDING", reason: "Resources", exitCode: null })).toEqual({
      state: "pending",
      scheduler: { jobId: "42", state: "PENDING", reason: "Resources" },
    });
    for (const state of ["CONFIGURING", "REQUEUED", "REQUEUE_HOLD"]) expect(slurmProgress("1", { state, reason: null, exitCode: null }).state).toBe("pending");
    for (const state of ["RUNNING", "COMPLETING", "SUSPENDED"]) expect(slurmProgress("1", { state, reason: null, exitCode: null })).toEqual({ state: "running", scheduler: { jobId: "1", state, reason: null } });
    expect(slurmProgress("42", { state: "COMPLETED", reason: null, exitCode: 0 })).toEqual({
      state: "exited",
      exitCode: 0,
      end: { status: "succeeded" },
      scheduler: { jobId: "42", state: "COMPLETED", reason: null },
    });
    expect(slurmProgress("42", { state: "FAILED", reason: "NonZeroExitCode", exitCode: 3 })).toMatchObject({
      state: "exited",
      exitCode: 3,
      end: { status: "failed", message: "Slurm job 42 FAILED with exit code 3" },
    });
    // sacct prints "CANCELLED by <uid>".
    expect(slurmProgress("42", { state: "CANCELLED by 0", reason: null, exitCode: 0 })).toMatchObject({
      state: "exited",
      end: { status: "cancelled", message: "Slurm job 42 was cancelled in Slurm (scancel)" },
      scheduler: { state: "CANCELLED" },
    });
    expect(slurmProgress("7", { state: "TIMEOUT", reason: null, exitCode: 0 })).toMatchObject({ exitCode: null, end: { status: "failed", message: "Slurm job 7 ended TIMEOUT: the job reached its time limit" } });
    expect(slurmProgress("7", { state: "NODE_FAIL", reason: null, exitCode: null })).toMatchObject({ end: { status: "failed", message: "Slurm job 7 ended NODE_FAIL: a node the job ran on failed" } });
    expect(slurmProgress("7", { state: "OUT_OF_MEMORY", reason: null, exitCode: 0 })).toMatchObject({ end: { status: "failed", message: "Slurm job 7 ended OUT_OF_MEMORY: the job ran out of memory" } });
    expect(slurmProgress("7", { state: "PREEMPTED", reason: null, exitCode: 0 })).toMatchObject({
      end: { status: "failed", message: "Slurm job 7 ended PREEMPTED: the job was preempted by a higher-priority job" },
    });
  });

  it("reads exit codes as the shell reports them (death by signal N is 128 + N)", () => {
    expect(parseSlurmExitCode("0:0")).toBe(0);
    expect(parseSlurmExitCode("3:0")).toBe(3);
    expect(parseSlurmExitCode("0:9")).toBe(137);
    expect(parseSlurmExitCode("")).toBeNull();
    expect(parseSlurmExitCode(undefined)).toBeNull();
  });

  it("reads squeue and scontrol show job", () => {
    expect([...parseSqueue("5|RUNNING|None\n6|PENDING|Resources\n7|PENDING|ReqNodeNotAvail, UnavailableNodes:gpu[01-02]\n")]).toEqual([
      ["5", { state: "RUNNING", reason: null }],
      ["6", { state: "PENDING", reason: "Resources" }],
      ["7", { state: "PENDING", reason: "ReqNodeNotAvail, UnavailableNodes:gpu[01-02]" }],
    ]);
    const fields = parseScontrolJob(
      "JobId=5 JobName=ferry-x UserId=root(0) GroupId=root(0) Priority=1 JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=3:0 RunTime=00:00:03 TresPerNode=gres:gpu:h100:2",
    );
    expect([fields.JobId, fields.JobState, fields.Reason, fields.ExitCode, fields.TresPerNode]).toEqual(["5", "FAILED", "NonZeroExitCode", "3:0", "gres:gpu:h100:2"]);
  });

  it("reads GRES with and without a type, and with details in parentheses", () => {
    expect([...parseGres("gpu:h100:4(S:0-1)")]).toEqual([["h100", 4]]);
    expect([...parseGres("gpu:h100:2(IDX:0,2),gpu:a100:1(IDX:4)")]).toEqual([
      ["h100", 2],
      ["a100", 1],
    ]);
    expect([...parseGres("gpu:4,mps:400")]).toEqual([["gpu", 4]]);
    expect([...parseGres("(null)")]).toEqual([]);
  });

  it("takes the inventory of the configured partition (else the default one) from nodes that take jobs", () => {
    const sinfo = [
      "gpu01|gpu*|mixed|gpu:h100:4(S:0-1)|gpu:h100:2(IDX:0-1)|4/28/0/32|256000|",
      "gpu01|long|mixed|gpu:h100:4(S:0-1)|gpu:h100:2(IDX:0-1)|4/28/0/32|256000|",
      "gpu02|gpu*|idle|gpu:h100:4|gpu:h100:0(IDX:N/A)|0/32/0/32|256000|",
      "gpu03|gpu*|drained|gpu:h100:4|gpu:h100:0(IDX:N/A)|0/0/32/32|256000|",
      "gpu04|gpu*|down*|gpu:a100:8|gpu:a100:0(IDX:N/A)|0/0/64/64|512000|",
      "cpu01|gpu*|allocated|(null)|gpu:0|16/0/0/16|64000|",
      "a01|long|idle|gpu:a100:2|gpu:a100:1(IDX:1)|0/64/0/64|512000|",
    ].join("\n");
    expect(parseSinfo(sinfo, null)).toEqual({ gpus: [{ type: "h100", count: 8, memoryMb: null, allocated: 2, perNode: 4 }], cpus: 80, memoryMb: 576000 });
    expect(parseSinfo(sinfo, "long")).toEqual({
      gpus: [
        { type: "a100", count: 2, memoryMb: null, allocated: 1, perNode: 2 },
        { type: "h100", count: 4, memoryMb: null, allocated: 2, perNode: 4 },
      ],
      cpus: 96,
      memoryMb: 768000,
    });
    expect(parseSinfo(sinfo, "nope")).toEqual({ gpus: [], cpus: 0, memoryMb: 0 });
  });

  it("turns sbatch's complaint into one message", () => {
    expect(sbatchMessage("sbatch: error: invalid partition specified: nope\nsbatch: error: Batch job submission failed: Invalid partition name specified\n")).toBe(
      "invalid partition specified: nope; Batch job submission failed: Invalid partition name specified",
    );
    expect(sbatchMessage("")).toBe("no reason given");
  });
});

// The executor's use of Slurm's commands, with stand-ins on the PATH that answer like Slurm 22.05
// with an accounting database (slurmdbd) — which this machine's test cluster does not run — and
// record how they were called. The executor against the real daemons: lib/clusters/slurm.test.ts.
describe("Slurm executor: which commands it runs (stand-in commands; accounting database case)", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  function fakeSlurm() {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ferry-fake-slurm-"));
    dirs.push(dir);
    const bin = path.join(dir, "bin");
    mkdirSync(bin);
    const script = (name: string, body: string) => writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${dir}/calls"\n${body}\n`, { mode: 0o755 });
    // squeue prints only the jobs it is asked about, as the real one does.
    script("squeue", `for a in "$@"; do case "$a" in --jobs=*) ids="\${a#--jobs=}";; esac; done
for id in $(echo "$ids" | tr ',' ' '); do grep "^$id|" "${dir}/squeue.out"; done; exit 0`);
    script("sacct", `cat "${dir}/sacct.out"`);
    script("scontrol", `exit 1`);
    script("sinfo", `cat "${dir}/sinfo.out"`);
    script("sbatch", `echo 555`);
    const set = (file: string, text: string) => writeFileSync(path.join(dir, file), text);
    set("squeue.out", "");
    set("sacct.out", "");
    set("sinfo.out", "");
    const executor = createSlurmExecutor({
      serverUrl: "http://127.0.0.1:1",
      workRoot: path.join(dir, "jobs"),
      baseEnv: { PATH: `${bin}:${process.env.PATH}` },
      queueTtlMs: 60_000,
    });
    const calls = () => (existsSync(path.join(dir, "calls")) ? readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : []);
    return { executor, set, calls, handle: (ref: string) => ({ ...executor.locate(ref.padStart(32, "0")), ref }) };
  }

  it("asks squeue again for a job the shared answer did not include, and keeps the pending reason (sacct has none)", async () => {
    const slurm = fakeSlurm();
    slurm.set("squeue.out", "101|RUNNING|None\n102|PENDING|Resources\n");
    slurm.set("sacct.out", "102|PENDING|0:0\n");
    expect(await slurm.executor.poll(slurm.handle("101"))).toMatchObject({ state: "running" });
    // Within the shared answer's lifetime, but that answer was not about job 102.
    expect(await slurm.executor.poll(slurm.handle("102"))).toEqual({ state: "pending", scheduler: { jobId: "102", state: "PENDING", reason: "Resources" } });
    expect(await slurm.executor.poll(slurm.handle("101"))).toMatchObject({ state: "running" });
    expect(await slurm.executor.poll(slurm.handle("102"))).toMatchObject({ state: "pending", scheduler: { reason: "Resources" } });
    expect(slurm.calls()).toEqual(["squeue -h -t all --jobs=101 -o %i|%T|%r", "squeue -h -t all --jobs=101,102 -o %i|%T|%r"]);
  });

  it("reads the last of sacct's records of a requeued job once squeue has forgotten it", async () => {
    const slurm = fakeSlurm();
    slurm.set("sacct.out", "7|PENDING|0:0\n7|CANCELLED by 0|0:0\n");
    expect(await slurm.executor.poll(slurm.handle("7"))).toEqual({
      state: "exited",
      exitCode: null,
      end: { status: "cancelled", message: "Slurm job 7 was cancelled in Slurm (scancel)" },
      scheduler: { jobId: "7", state: "CANCELLED", reason: null },
    });
  });

  it("submits with Slurm's own spelling of the GPU type (GRES types are case-sensitive), and untyped GRES as gpu:N", async () => {
    const slurm = fakeSlurm();
    slurm.set("sinfo.out", "n1|gpu*|idle|gpu:A100:2|gpu:A100:0(IDX:N/A)|0/8/0/8|1000|\nn2|gpu*|idle|gpu:4|gpu:0|0/8/0/8|1000|\n");
    expect((await slurm.executor.inventory()).gpus.map((g) => [g.type, g.count])).toEqual([
      ["a100", 2],
      ["gpu", 4],
    ]);
    const job = (type: string) => ({
      id: randomBytes(16).toString("hex"),
      fence: 1,
      name: "t",
      projectSlug: "p",
      experimentId: "1",
      command: "true",
      params: {},
      gpus: { type, count: 1, indices: [] },
      code: null,
      dataset: null,
      runToken: "ferryrun_x",
    });
    for (const type of ["a100", "gpu"]) {
      const j = job(type);
      const paths = slurm.executor.locate(j.id);
      expect((await slurm.executor.start(j, paths, new AbortController().signal)).ref).toBe("555");
      // On a shared filesystem, other users must not read a run's data, log or token.
      expect(statSync(paths.workDir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(paths.workDir, "run-token")).mode & 0o777).toBe(0o600);
      expect(readFileSync(path.join(paths.workDir, "job.sh"), "utf8")).not.toContain("ferryrun_x");
    }
    const submits = slurm.calls().filter((c) => c.startsWith("sbatch"));
    expect(submits[0]).toContain(" --gres=gpu:A100:1 ");
    expect(submits[1]).toContain(" --gres=gpu:1 ");
    expect(gresOption("h100", 2, new Map())).toBe("--gres=gpu:h100:2");
  });
});
