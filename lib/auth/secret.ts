import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * AUTH_SECRET signs and encrypts session cookies. In production it must be given; in development
 * one is generated once and kept in the data directory, so sessions survive restarts.
 */
export function resolveAuthSecret(opts: { secret?: string; isProduction: boolean; dataDir: string }): string {
  if (opts.secret) return opts.secret;
  if (opts.isProduction) {
    throw new Error(
      "AUTH_SECRET is not set. Ferry needs it in production to sign session cookies: " +
        "generate one with `openssl rand -base64 32` and set AUTH_SECRET in the environment.",
    );
  }
  const file = path.join(opts.dataDir, "auth-secret");
  try {
    const existing = fs.readFileSync(file, "utf8").trim();
    if (existing.length >= 32) return existing;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const secret = crypto.randomBytes(32).toString("base64url");
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (e) {
    // Another process wrote it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return fs.readFileSync(file, "utf8").trim();
    throw e;
  }
}
