import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir as makeTempDir } from "./fake-server";
import { loadState, lockStateDir, saveState, stateFile, type JobState } from "./state";


const job: JobState = {
  id: "0123456789abcdef0123456789abcdef",
  fence: 7,
  name: "train-1",
  ref: "4242",
  scheduler: null,
  runningReported: true,
  workDir: "/w/0123",
  logFile: "/w/0123/output.log",
  sentBytes: 1234,
  nextLine: 56,
  pendingStatus: [
    { status: "running", at: 1_700_000_000_000 },
    { status: "failed", at: 1_700_000_001_000, exitCode: 3, message: "exit code 3" },
  ],
  cancelRequested: false,
  finished: true,
};

const tempDir = () => makeTempDir("ferry-state-");
afterAll(removeTempDirs);

describe("agent state file", () => {
  it("round-trips the jobs, leaving no temporary file behind", () => {
    const dir = tempDir();
    expect(loadState(dir)).toEqual([]);
    saveState(dir, [job, { ...job, id: "f".repeat(32), ref: null, finished: false, pendingStatus: [] }]);
    expect(loadState(dir)).toEqual([job, { ...job, id: "f".repeat(32), ref: null, finished: false, pendingStatus: [] }]);
    saveState(dir, []);
    expect(loadState(dir)).toEqual([]);
    expect(readdirSync(dir)).toEqual(["state.json"]);
  });

  it("reads the state file of an agent before 0.2 (the process group saved as pid)", () => {
    const dir = tempDir();
    const { ref: _ref, scheduler: _scheduler, runningReported: _reported, ...old } = job;
    writeFileSync(stateFile(dir), JSON.stringify({ version: 1, jobs: [{ ...old, pid: 4242 }, { ...old, id: "f".repeat(32), pid: null }] }));
    expect(loadState(dir)).toEqual([job, { ...job, id: "f".repeat(32), ref: null }]);
  });

  it("refuses a damaged file instead of forgetting its jobs", () => {
    const dir = tempDir();
    writeFileSync(stateFile(dir), '{"version":1,"jobs":[{"id":');
    expect(() => loadState(dir)).toThrow(/is damaged/);
    writeFileSync(stateFile(dir), JSON.stringify({ version: 1, jobs: [{ ...job, sentBytes: -1 }] }));
    expect(() => loadState(dir)).toThrow(/is damaged/);
  });

  it("keeps a second agent out of a state directory in use, and lets it take over a dead one's", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "agent.pid"), String(process.ppid));
    expect(() => lockStateDir(dir)).toThrow(`another agent (pid ${process.ppid}) is using ${dir}`);
    writeFileSync(path.join(dir, "agent.pid"), "2147483646");
    const release = lockStateDir(dir);
    release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
