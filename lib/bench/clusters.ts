// Cluster benches (part of `npm run bench`):
//   claiming — DESIGN §5: 16 concurrent claimers × 10,000 queued runs (PostgreSQL with
//              BENCH_DATABASE_URL; PGlite otherwise, where claims take turns on its one connection):
//              claims/s, every run started exactly once, GPUs and quotas never exceeded (checked by a
//              sampler, snapshot by snapshot), a stale agent's report refused (fencing).
//   launch   — time from launch (POST /api/v1/projects/{slug}/runs) to `running` on the local agent
//              of a production server (`next start`, which starts the agent itself).
import { sql } from "drizzle-orm";
import { queryRows } from "@/db/client";
import { startBenchServer } from "./server";
import { openBenchDatabase, pct } from "./tracking";

const CLAIMERS = 16;
const RUNS = 10_000;

export async function benchClaiming(): Promise<Record<string, unknown>> {
  const { database, kind, drop } = await openBenchDatabase();
  const { db } = database;
  try {
    const { runClaimRace } = await import("@/lib/clusters/testing");
    const { resolveActor } = await import("@/lib/auth/authorize");
    const { createFixtureOrg } = await import("@/db/testing");
    const org = await createFixtureOrg(db, "bench");
    const other = await createFixtureOrg(db, "bench2");
    const admin = await resolveActor(db, org.users.admin.claims);
    console.error(`[bench] ${CLAIMERS} claimers × ${RUNS} queued runs on ${kind}…`);
    const race = await runClaimRace(db, admin, {
      claimers: CLAIMERS,
      clusters: 6,
      runs: RUNS,
      userId: org.users.dataScientist.id,
      projectIds: [org.project.id, other.project.id],
      seed: 7,
    });
    const [left] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from gpu_allocations`);
    const exactlyOnce = race.claimed === RUNS && race.claimedTwice === 0;
    return {
      database: kind,
      claimers: CLAIMERS,
      clusters: 6,
      queuedRuns: RUNS,
      // Each claim is followed by a "running" and a "succeeded" report, as an agent would send.
      claimsPerSecond: Math.round(race.claims / race.seconds),
      wallSeconds: Math.round(race.seconds * 10) / 10,
      everyRunStartedExactlyOnce: exactlyOnce,
      overAllocationsSeen: race.violations.length,
      snapshotsChecked: race.samples,
      staleReportRefused: race.staleReportRefused,
      gpusLeftAllocated: Number(left!.n),
      pass: exactlyOnce && race.violations.length === 0 && race.staleReportRefused && Number(left!.n) === 0,
    };
  } finally {
    await database.close();
    await drop();
  }
}

export async function benchLaunch(): Promise<Record<string, unknown>> {
  const server = await startBenchServer();
  try {
    const cookie = await server.signIn("ds@ferry.dev");
    const headers = { cookie, "content-type": "application/json" };
    const times: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      const res = await fetch(`${server.base}/api/v1/projects/churn-prediction/runs`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: `bench-launch-${i}`, command: "sleep 0.2", cluster: "local" }),
      });
      if (res.status !== 201) throw new Error(`launch: HTTP ${res.status} ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      for (;;) {
        const run = (await (await fetch(`${server.base}/api/v1/projects/churn-prediction/runs/${id}`, { headers })).json()) as { status: string };
        if (run.status !== "queued" && run.status !== "scheduled") {
          if (run.status !== "running" && run.status !== "succeeded") throw new Error(`run ${id} went ${run.status}`);
          break;
        }
        if (performance.now() - t0 > 60_000) throw new Error(`run ${id} did not start within 60 s`);
        await new Promise((r) => setTimeout(r, 20));
      }
      times.push(performance.now() - t0);
      // Let it finish so the next launch meets an idle agent, as a user would.
      await new Promise((r) => setTimeout(r, 400));
    }
    return {
      database: server.database,
      launches: times.length,
      launchToRunningP50Ms: pct(times, 50),
      launchToRunningMaxMs: Math.round(Math.max(...times)),
      note: "measured by polling the run's status every 20 ms, so figures include up to 20 ms of polling delay",
    };
  } finally {
    server.stop();
  }
}
