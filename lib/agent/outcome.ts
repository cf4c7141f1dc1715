import { appendFile, mkdir, open } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { JobEnd } from "./executors/types";
import type { SchedulerInfo } from "./protocol";
import type { PendingStatus } from "./state";

// How a job ended, as one terminal status report, and the agent's own notes in the job's log.

/** An exit code (and, from a scheduler, how it saw the end), or a job that never started. */
export type JobOutcome = { exitCode: number | null; end?: JobEnd; scheduler?: SchedulerInfo } | { startError: string };

export function terminalStatus(outcome: JobOutcome, cancelRequested: boolean, at = Date.now()): PendingStatus {
  const report = terminal(outcome, cancelRequested, at);
  return "scheduler" in outcome && outcome.scheduler ? { ...report, scheduler: outcome.scheduler } : report;
}

function terminal(outcome: JobOutcome, cancelRequested: boolean, at: number): PendingStatus {
  if (cancelRequested) {
    const exitCode = "exitCode" in outcome ? outcome.exitCode : null;
    return { status: "cancelled", at, exitCode, message: "cancelled on request" };
  }
  if ("startError" in outcome) return { status: "failed", at, exitCode: null, message: outcome.startError.slice(0, 2000) };
  if (outcome.end) {
    const { status, message } = outcome.end;
    return { status, at, exitCode: outcome.exitCode, ...(message ? { message: message.slice(0, 2000) } : {}) };
  }
  if (outcome.exitCode === 0) return { status: "succeeded", at, exitCode: 0 };
  if (outcome.exitCode === null) return { status: "failed", at, exitCode: null, message: "exit status unknown (killed)" };
  return { status: "failed", at, exitCode: outcome.exitCode, message: exitMessage(outcome.exitCode) };
}

/** "exit code 137 (SIGKILL)": the shell reports death by signal N as 128 + N. */
function exitMessage(code: number): string {
  const signal = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0];
  return code > 128 && signal ? `exit code ${code} (${signal})` : `exit code ${code}`;
}

/** Appends `[ferry-agent] <text>` to the job's log as a line of its own, so users see why a job ended. */
export async function appendAgentLine(logFile: string, text: string): Promise<void> {
  await mkdir(path.dirname(logFile), { recursive: true });
  const handle = await open(logFile, "a+");
  try {
    const { size } = await handle.stat();
    const last = Buffer.alloc(1);
    if (size > 0) await handle.read(last, 0, 1, size - 1);
    // A last line without its newline would otherwise run into ours.
    const separator = size > 0 && last[0] !== 0x0a ? "\n" : "";
    await appendFile(handle, `${separator}[ferry-agent] ${text}\n`);
  } finally {
    await handle.close();
  }
}
