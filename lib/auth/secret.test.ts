import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolveAuthSecret } from "./secret";

describe("AUTH_SECRET", () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "ferry-secret-"));

  it("uses the configured secret", () => {
    expect(resolveAuthSecret({ secret: "s".repeat(40), isProduction: true, dataDir: tmp() })).toBe("s".repeat(40));
  });

  it("is required in production, with a message that says how to make one", () => {
    expect(() => resolveAuthSecret({ isProduction: true, dataDir: tmp() })).toThrow(/AUTH_SECRET is not set.*openssl rand -base64 32/);
  });

  it("in development, is generated once, kept in the data dir (mode 600) and reused", () => {
    const dir = tmp();
    const first = resolveAuthSecret({ isProduction: false, dataDir: dir });
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(path.join(dir, "auth-secret")).mode & 0o777).toBe(0o600);
    expect(resolveAuthSecret({ isProduction: false, dataDir: dir })).toBe(first);
    expect(resolveAuthSecret({ isProduction: false, dataDir: tmp() })).not.toBe(first);
  });
});
