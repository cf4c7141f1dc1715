import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config";

const cwd = "/srv/agent";

describe("agent configuration", () => {
  it("reads flags, with defaults for the rest", () => {
    const config = parseConfig(["--server", "https://ferry.example.com/", "--token", "ferryagent_x"], {}, cwd)!;
    expect(config).toMatchObject({
      serverUrl: "https://ferry.example.com",
      token: "ferryagent_x",
      executor: "local",
      stateDir: path.join(cwd, ".ferry-agent"),
      workDir: path.join(cwd, ".ferry-agent", "jobs"),
      gpus: null,
      parentPid: null,
      maxJobs: 4,
      graceMs: 10_000,
    });
  });

  it("reads FERRY_AGENT_* variables, and flags win over them", () => {
    const env = {
      FERRY_AGENT_SERVER: "http://env:3000",
      FERRY_AGENT_TOKEN: "from-env",
      FERRY_AGENT_STATE_DIR: "/var/lib/ferry",
      FERRY_AGENT_GPUS: "h100:4:81920,a100:2",
      FERRY_AGENT_MAX_JOBS: "8",
      FERRY_AGENT_GRACE_MS: "500",
    };
    const fromEnv = parseConfig([], env, cwd)!;
    expect(fromEnv).toMatchObject({ serverUrl: "http://env:3000", token: "from-env", stateDir: "/var/lib/ferry", workDir: "/var/lib/ferry/jobs", maxJobs: 8, graceMs: 500 });
    expect(fromEnv.gpus?.map((g) => [g.type, g.devices])).toEqual([
      ["h100", [0, 1, 2, 3]],
      ["a100", [4, 5]],
    ]);
    const flags = parseConfig(["--token", "from-flag", "--max-jobs", "2", "--work-dir", "work", "--gpus", "none", "--parent-pid", "42"], env, cwd)!;
    expect(flags).toMatchObject({ token: "from-flag", maxJobs: 2, workDir: path.join(cwd, "work"), gpus: [], parentPid: 42, serverUrl: "http://env:3000" });
  });

  it("returns null for --help", () => {
    expect(parseConfig(["--help"], {}, cwd)).toBeNull();
  });

  it("names the setting that is wrong", () => {
    const base = ["--server", "http://x", "--token", "t"];
    expect(() => parseConfig(["--token", "t"], {}, cwd)).toThrow("--server (FERRY_AGENT_SERVER) is required");
    expect(() => parseConfig(["--server", "ftp://x", "--token", "t"], {}, cwd)).toThrow("--server (FERRY_AGENT_SERVER) must be an http");
    expect(() => parseConfig(["--server", "http://x"], {}, cwd)).toThrow("--token (FERRY_AGENT_TOKEN) is required");
    expect(() => parseConfig([...base, "--max-jobs", "0"], {}, cwd)).toThrow("--max-jobs (FERRY_AGENT_MAX_JOBS) must be at least 1");
    expect(() => parseConfig([...base, "--grace-ms", "soon"], {}, cwd)).toThrow("--grace-ms (FERRY_AGENT_GRACE_MS) must be a whole number");
    expect(() => parseConfig([...base, "--gpus", "h100:four"], {}, cwd)).toThrow(/--gpus .*whole number/);
    expect(() => parseConfig([...base, "--executor", "docker"], {}, cwd)).toThrow("--executor (FERRY_AGENT_EXECUTOR) must be local, slurm or kubernetes");
    expect(() => parseConfig([...base, "--verbose"], {}, cwd)).toThrow(ConfigError);
  });

  it("takes the slurm and kubernetes executors, with more jobs at once by default and no --gpus", () => {
    const base = ["--server", "http://x", "--token", "t"];
    expect(parseConfig(base, {}, cwd)).toMatchObject({ executor: "local", maxJobs: 4 });
    expect(parseConfig([...base, "--executor", "slurm"], {}, cwd)).toMatchObject({ executor: "slurm", maxJobs: 64, gpus: null });
    expect(parseConfig([...base, "--max-jobs", "8"], { FERRY_AGENT_EXECUTOR: "kubernetes" }, cwd)).toMatchObject({ executor: "kubernetes", maxJobs: 8 });
    expect(() => parseConfig([...base, "--executor", "slurm", "--gpus", "h100:4"], {}, cwd)).toThrow("--gpus (FERRY_AGENT_GPUS) is for the local executor: a slurm cluster's GPUs are read from Slurm (sinfo)");
  });
});
