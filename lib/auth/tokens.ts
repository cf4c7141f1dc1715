import crypto from "node:crypto";

// Personal API tokens: "ferry_" + 43 base64url characters (256 random bits). The prefix makes a
// leaked token recognisable to secret scanners; only the sha256 is stored.
const PREFIX = "ferry_";
const pattern = /^ferry_[A-Za-z0-9_-]{43}$/;

export function generateApiToken(): { token: string; hash: string; displayPrefix: string } {
  const token = PREFIX + crypto.randomBytes(32).toString("base64url");
  return { token, hash: hashApiToken(token), displayPrefix: token.slice(0, PREFIX.length + 6) };
}

export function hashApiToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

export function looksLikeApiToken(token: string): boolean {
  return pattern.test(token);
}

// Run-scoped tokens: "ferryrun_" + 43 base64url characters, handed to launched jobs.
const RUN_PREFIX = "ferryrun_";
const runPattern = /^ferryrun_[A-Za-z0-9_-]{43}$/;

export function generateRunToken(): { token: string; hash: string } {
  const token = RUN_PREFIX + crypto.randomBytes(32).toString("base64url");
  return { token, hash: hashApiToken(token) };
}

export function looksLikeRunToken(token: string): boolean {
  return runPattern.test(token);
}

// Agent tokens: "ferryagent_" + 43 base64url characters; one per cluster, shown once.
const AGENT_PREFIX = "ferryagent_";
const agentPattern = /^ferryagent_[A-Za-z0-9_-]{43}$/;

export function generateAgentToken(): { token: string; hash: string; displayPrefix: string } {
  const token = AGENT_PREFIX + crypto.randomBytes(32).toString("base64url");
  return { token, hash: hashApiToken(token), displayPrefix: token.slice(0, AGENT_PREFIX.length + 6) };
}

export function looksLikeAgentToken(token: string): boolean {
  return agentPattern.test(token);
}

// Model-scoped ingest tokens: "ferryingest_" + 43 base64url characters; send prediction batches for one model only.
const INGEST_PREFIX = "ferryingest_";
const ingestPattern = /^ferryingest_[A-Za-z0-9_-]{43}$/;

export function generateIngestToken(): { token: string; hash: string; displayPrefix: string } {
  const token = INGEST_PREFIX + crypto.randomBytes(32).toString("base64url");
  return { token, hash: hashApiToken(token), displayPrefix: token.slice(0, INGEST_PREFIX.length + 6) };
}

export function looksLikeIngestToken(token: string): boolean {
  return ingestPattern.test(token);
}
