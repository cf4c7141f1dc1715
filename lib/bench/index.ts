// `npm run bench`: every DESIGN §5 target measured so far, as one JSON document on stdout
// (progress goes to stderr). Exit status 1 when a target is missed.
//   pages      — server response p95 and first-load JS per route (production build, seeded demo)
//   profiling  — dataset upload profiling of a generated 1,000,000 × 20 CSV: time and peak RSS
//   upload     — the same CSV uploaded through the HTTP API of a production server: time, server memory growth
//   trackingQueries — chart query for a 1,000,000-point series; runs table of a project with 100,000 runs
//   trackingIngest  — runs/log-batch points/s over HTTP; retry cost at 10k vs 1M points of history
//   claiming   — 16 concurrent claimers × 10,000 queued runs: claims/s, exactly once, no over-allocation, fencing
//   launch     — time from launch to `running` on the local agent
//   slurmLaunch — launch → submitted → running → succeeded on a Slurm cluster (SLURM_CONF; skipped without)
//   drift      — drift of a 100,000-row × 50-feature batch against its reference, raw and prepared
//   pipeline   — continuous training: demo upload → pipeline run → pending production request; API starts
//   monitoringIngest — prediction batches (10,000 rows) through the ingest API over HTTP: rows/s, duplicate path
// BENCH_ONLY=<part> runs one part.
import os from "node:os";
import { benchClaiming, benchLaunch, benchSlurmLaunch } from "./clusters";
import { benchDrift, benchMonitoringIngest } from "./monitoring";
import { benchPages } from "./pages";
import { benchPipeline } from "./pipelines";
import { benchProfiling } from "./profile";
import { benchTrackingIngest, benchTrackingQueries } from "./tracking";
import { benchUpload } from "./upload";

const parts: Record<string, () => Promise<Record<string, unknown>>> = {
  profiling: benchProfiling,
  upload: benchUpload,
  pages: benchPages,
  trackingQueries: benchTrackingQueries,
  trackingIngest: benchTrackingIngest,
  claiming: benchClaiming,
  launch: benchLaunch,
  slurmLaunch: benchSlurmLaunch,
  drift: benchDrift,
  monitoringIngest: benchMonitoringIngest,
  pipeline: benchPipeline,
};

async function main() {
  const only = process.env.BENCH_ONLY;
  const report: Record<string, unknown> = { machine: { cpus: os.cpus().length, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version } };
  let pass = true;
  for (const [name, run] of Object.entries(parts)) {
    if (only && only !== name) continue;
    console.error(`[bench] ${name}…`);
    const result = await run();
    report[name] = result;
    if (result.pass === false || result.ok === false) pass = false;
  }
  report.pass = pass;
  console.log(JSON.stringify(report, null, 2));
  if (!pass) process.exitCode = 1;
}

main().catch((e) => {
  console.error(`[bench] failed: ${e instanceof Error ? e.stack : e}`);
  process.exit(1);
});
