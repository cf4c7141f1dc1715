import fs from "node:fs";

/**
 * PGlite allows one process per data directory and does not protect itself; two processes writing
 * the same files corrupt them. A lock file holding the owner's pid turns that into a clear error.
 */
export class DataDirLockedError extends Error {
  constructor(
    readonly lockPath: string,
    readonly ownerPid: number,
  ) {
    super(
      `The embedded database in ${lockPath.replace(/\/[^/]+$/, "")} is in use by another Ferry process (pid ${ownerPid}). ` +
        `PGlite allows one process per data directory: stop that process first, point FERRY_DATA_DIR at another ` +
        `directory, or use PostgreSQL with DATABASE_URL to run several processes.`,
    );
    this.name = "DataDirLockedError";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Takes the lock or throws DataDirLockedError. Returns a release function. Stale locks (dead pid) are taken over. */
export function acquireLock(lockPath: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, "wx", 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      const release = () => {
        if (readOwner(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
      };
      process.once("exit", release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const owner = readOwner(lockPath);
      if (owner === process.pid) return () => {};
      if (owner !== null && isAlive(owner)) throw new DataDirLockedError(lockPath, owner);
      // Stale (owner died without cleaning up) or half-written: remove and retry.
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not take the database lock ${lockPath}`);
}
