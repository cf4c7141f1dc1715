// Test support: the real agent (`lib/agent/cli.ts`) as a separate process, and a polling wait.
import { spawn, type ChildProcess } from "node:child_process";

export interface AgentProcess {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** One process (node with tsx's loader), so that SIGKILL really kills the agent. The token goes by variable, as in production. */
export function spawnAgentProcess(server: string, token: string, stateDir: string, args: string[]): AgentProcess {
  let out = "";
  const proc = spawn(process.execPath, ["--import", "tsx", "lib/agent/cli.ts", "--server", server, "--state-dir", stateDir, ...args], {
    env: { ...process.env, FERRY_AGENT_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  return { proc, output: () => out, exited: new Promise((r) => proc.on("exit", (code) => r(code))) };
}

/** Polls `probe` until it gives a truthy value; the error names `what` (and `explain()`, if given). */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, explain?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${explain ? `\n${explain()}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
