import { readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";

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

/**
 * Whether `pid` leads a live process group that is not this job's: the pid was reused (after a reboot,
 * say) by a process working outside the job's directory. Jobs run in their work dir (or its code/
 * checkout), so a leader elsewhere is someone else's and must not be signalled. Without /proc, or
 * without the right to look, nothing is known and the answer is no.
 */
export function foreignLeader(pid: number, workDir: string): boolean {
  if (!leaderAlive(pid)) return false;
  let cwd: string;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return false;
  }
  let root = workDir;
  try {
    root = realpathSync(workDir);
  } catch {
    // the work dir is gone: compare as given
  }
  return cwd !== root && !cwd.startsWith(root + path.sep);
}
