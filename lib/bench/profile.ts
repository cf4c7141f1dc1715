// `npx tsx lib/bench/profile.ts`: dataset profiling target — a 1,000,000-row × 20-column CSV
// profiled in ≤ 10 s with ≤ 500 MB peak RSS. Generates the file in a temp dir, then profiles it in
// a child process (so the peak RSS is the profiler's own, not the generator's) that streams it
// with fs.createReadStream through profileCsv, with rules, while copying the bytes to a second
// file as the upload path does. Prints one JSON document; temp files are removed.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROWS = Number(process.env.BENCH_PROFILE_ROWS ?? 1_000_000);
const TARGET_SECONDS = 10;
const TARGET_RSS_MB = 500;
const CHILD = fileURLToPath(new URL("./profile-child.ts", import.meta.url));
const ROOT = path.resolve(path.dirname(CHILD), "../..");

const COUNTRIES = ["US", "DE", "FR", "GB", "IN", "BR", "JP", "CA", "ES", "IT"];
const PLANS = ["free", "team", "business", "enterprise"];
const CHANNELS = ["web", "ios", "android", "partner", "sales", "api"];
const WORDS = ["alpha", "beta", "gamma", "delta", "churn", "upgrade", "renewal", "support", "ticket", "invoice", "café", "naïve"];
export const HEADER = [
  "id",
  ...Array.from({ length: 11 }, (_, i) => `x${i + 1}`),
  "country",
  "plan",
  "channel",
  "segment",
  "active",
  "trial",
  "created_at",
  "comment",
];

/** Deterministic generator: ~12 numeric, 4 categorical, 2 boolean, 1 datetime, 1 text column. */
export function generateCsv(file: string, rows: number): number {
  let s = 0x9e3779b9;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const fd = fs.openSync(file, "w");
  let bytes = fs.writeSync(fd, HEADER.join(",") + "\n");
  const start = Date.UTC(2020, 0, 1);
  for (let base = 0; base < rows; base += 10_000) {
    const lines: string[] = [];
    for (let i = base; i < Math.min(rows, base + 10_000); i++) {
      const f: string[] = [String(i + 1)];
      f.push((rand() * 1000).toFixed(3)); // x1
      f.push(rand() < 0.05 ? "" : (rand() * 200 - 100).toFixed(2)); // x2 with nulls
      f.push(String(Math.floor(rand() * 100_000))); // x3
      f.push((rand() * 10).toFixed(4)); // x4
      f.push(String(Math.floor(rand() * 90) + 18)); // x5
      f.push(rand() < 0.01 ? "NA" : (rand() * 1e6).toFixed(1)); // x6
      f.push((rand() - 0.5).toExponential(3)); // x7
      f.push(String(Math.floor(rand() * 5))); // x8
      f.push((rand() * 50_000).toFixed(2)); // x9
      f.push(String(Math.floor(rand() * 1e9))); // x10
      f.push((rand() * 3).toFixed(6)); // x11
      f.push(pick(COUNTRIES), pick(PLANS), pick(CHANNELS), `seg-${Math.floor(rand() * 50)}`);
      f.push(rand() < 0.5 ? "true" : "false", rand() < 0.3 ? "True" : "FALSE");
      f.push(new Date(start + Math.floor(rand() * 1.5e11)).toISOString().slice(0, 19) + "Z");
      const n = 2 + Math.floor(rand() * 6);
      const words = Array.from({ length: n }, () => pick(WORDS)).join(" ");
      f.push(rand() < 0.2 ? `"${words}, ""quoted"" ${i}"` : `${words} ${i}`);
      lines.push(f.join(","));
    }
    bytes += fs.writeSync(fd, lines.join("\n") + "\n");
  }
  fs.closeSync(fd);
  return bytes;
}

export async function benchProfiling(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-profile-bench-"));
  try {
    const file = path.join(dir, "bench.csv");
    const copy = path.join(dir, "upload-copy.csv");
    const bytes = generateCsv(file, ROWS);
    const t0 = performance.now();
    const child = spawnSync(process.execPath, ["--import", "tsx", CHILD, file, copy], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 24 });
    const childWallSeconds = (performance.now() - t0) / 1000;
    if (child.status !== 0) throw new Error(`profiling child failed (${child.status}):\n${child.stderr}`);
    const out = JSON.parse(child.stdout) as { seconds: number; maxRssKB: number; rowCount: number; columns: number; [k: string]: unknown };
    if (out.rowCount !== ROWS || out.columns !== HEADER.length) throw new Error(`unexpected profile: ${child.stdout}`);
    if (fs.statSync(copy).size !== bytes) throw new Error("the copied upload has the wrong size");
    const seconds = Math.round(out.seconds * 100) / 100;
    const peakRssMB = Math.round(out.maxRssKB / 1024);
    const { maxRssKB: _k, seconds: _s, rowCount: _r, columns: _c, ...details } = out;
    return {
      rows: ROWS,
      columns: HEADER.length,
      bytes,
      seconds,
      peakRssMB,
      targetSeconds: TARGET_SECONDS,
      targetRssMB: TARGET_RSS_MB,
      ok: seconds <= TARGET_SECONDS && peakRssMB <= TARGET_RSS_MB,
      childWallSeconds: Math.round(childWallSeconds * 100) / 100,
      cpus: os.cpus().length,
      node: process.version,
      ...details,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const result = await benchProfiling();
  console.log(JSON.stringify(result, null, 2));
  if (!result.ok) process.exitCode = 1;
}
