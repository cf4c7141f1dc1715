import { readdirSync, readFileSync } from "node:fs";

// Whether a job's processes still run. A process that has exited stays a zombie until its parent
// reaps it, and the parent of a job whose agent died is init — which in a container may reap late
// or never. kill(pid, 0) succeeds on zombies, so on Linux /proc decides; elsewhere kill has to do.

/** State letter of a process from /proc ("Z" for a zombie), null if it is gone, undefined without /proc. */
function procState(pid: number): { state: string; pgrp: number } | null | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ESRCH" ? (hasProc() ? null : undefined) : undefined;
  }
  // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses, so split after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "", pgrp: Number(fields[2]) };
}

let procAvailable: boolean | undefined;
function hasProc(): boolean {
  if (procAvailable === undefined) {
    try {
      readFileSync("/proc/self/stat");
      procAvailable = true;
    } catch {
      procAvailable = false;
    }
  }
  return procAvailable;
}

/** Whether a process (or with -pgid, a process group) exists, zombies included. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the process group leader `pid` runs (is not a zombie, and is a group leader: not a reused pid). */
export function leaderAlive(pid: number): boolean {
  if (!processExists(pid)) return false;
  const proc = procState(pid);
  return proc === undefined || (proc !== null && proc.state !== "Z" && proc.pgrp === pid);
}

/** Whether any process of group `pgid` runs (zombies do not count). */
export function groupAlive(pgid: number): boolean {
  if (!processExists(-pgid)) return false;
  if (!hasProc()) return true;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const proc = procState(Number(entry));
    if (proc && proc.pgrp === pgid && proc.state !== "Z") return true;
  }
  return false;
}
