import { describe, expect, it } from "vitest";
import { parseGres, parseScontrolJob, parseSinfo, parseSlurmExitCode, parseSqueue, sbatchMessage, slurmProgress } from "./slurm";

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
    expect(slurmProgress("7", { state: "TIMEOUT", reason: null, exitCode: 0 })).toMatchObject({ end: { status: "failed", message: "Slurm job 7 ended TIMEOUT: the job reached its time limit" } });
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
    expect(parseSinfo(sinfo, null)).toEqual({ gpus: [{ type: "h100", count: 8, memoryMb: null, allocated: 2 }], cpus: 80, memoryMb: 576000 });
    expect(parseSinfo(sinfo, "long")).toEqual({
      gpus: [
        { type: "a100", count: 2, memoryMb: null, allocated: 1 },
        { type: "h100", count: 4, memoryMb: null, allocated: 2 },
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
