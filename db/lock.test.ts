import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { acquireLock, DataDirLockedError } from "./lock";

const run = promisify(execFile);

describe("PGlite data-dir lock", () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "ferry-lock-"));

  it("is taken, re-entrant in the same process, and released", () => {
    const file = path.join(tmp(), "pglite.lock");
    const release = acquireLock(file);
    expect(fs.readFileSync(file, "utf8").trim()).toBe(String(process.pid));
    acquireLock(file); // same process: fine
    release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it("refuses a lock held by another live process, naming it and the way out", () => {
    const file = path.join(tmp(), "pglite.lock");
    fs.writeFileSync(file, `${process.ppid}\n`); // our parent is alive and is not us
    expect(() => acquireLock(file)).toThrow(DataDirLockedError);
    expect(() => acquireLock(file)).toThrow(new RegExp(`in use by another Ferry process \\(pid ${process.ppid}\\).*DATABASE_URL`));
  });

  it("takes over a stale lock left by a dead process", () => {
    const file = path.join(tmp(), "pglite.lock");
    fs.writeFileSync(file, "999999999\n");
    acquireLock(file)();
  });

  it("makes a second process (the seed script) fail with a clear message while the data dir is in use", async () => {
    const dir = tmp();
    const release = acquireLock(path.join(dir, "pglite.lock"));
    try {
      const err = await run("npx", ["tsx", "--conditions=react-server", "db/seed-cli.ts"], {
        env: { ...process.env, FERRY_DATA_DIR: dir, DATABASE_URL: "" },
        cwd: path.resolve(import.meta.dirname, ".."),
      }).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      expect(err?.code).toBe(1);
      expect(err?.stderr).toMatch(new RegExp(`db:seed failed: The embedded database in ${dir} is in use by another Ferry process \\(pid ${process.pid}\\)`));
      expect(fs.existsSync(path.join(dir, "pglite"))).toBe(false); // it never opened the database
    } finally {
      release();
    }
  });
});
