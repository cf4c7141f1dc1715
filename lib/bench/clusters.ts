// Cluster benches (part of `npm run bench`):
//   claiming — DESIGN §5: 16 concurrent claimers × 10,000 queued runs (PostgreSQL with
//              BENCH_DATABASE_URL; PGlite otherwise, where claims take turns on its one connection):
//              claims/s, every run started exactly once, GPUs and quotas never exceeded (checked by a
//              sampler, snapshot by snapshot), a stale agent's report refused (fencing).
//   launch   — time from launch (POST /api/v1/projects/{slug}/runs) to `running` on the local agent
//              of a production server (`next start`, which starts the agent itself).
//   slurmLaunch — the same on a Slurm cluster (the agent with --executor slurm against the cluster
//              named by SLURM_CONF, e.g. `.ci/slurm.sh start`): launch → submitted (Slurm job id
//              shown), → running, → succeeded. Skipped without SLURM_CONF.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
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
    await server.stop();
  }
}

export async function benchSlurmLaunch(): Promise<Record<string, unknown>> {
  if (!process.env.SLURM_CONF) return { skipped: "no Slurm cluster: set SLURM_CONF (bash .ci/slurm.sh start DIR prints it)" };
  const { spawnAgentProcess } = await import("@/lib/clusters/testing-agent");
  const server = await startBenchServer();
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "ferry-bench-slurm-"));
  let agent: ReturnType<typeof spawnAgentProcess> | null = null;
  try {
    const admin = { cookie: await server.signIn("admin@ferry.dev"), "content-type": "application/json" };
    const name = `slurm-bench-${Date.now().toString(36)}`;
    const created = await fetch(`${server.base}/api/v1/clusters`, { method: "POST", headers: admin, body: JSON.stringify({ name, executor: "slurm" }) });
    if (created.status !== 201) throw new Error(`register: HTTP ${created.status} ${await created.text()}`);
    const { agentToken } = (await created.json()) as { agentToken: string };
    agent = spawnAgentProcess(server.base, agentToken, stateDir, ["--executor", "slurm"]);
    const headers = { cookie: await server.signIn("ds@ferry.dev"), "content-type": "application/json" };
    const run = async (id: string) =>
      (await (await fetch(`${server.base}/api/v1/projects/churn-prediction/runs/${id}`, { headers })).json()) as { status: string; scheduler: { jobId: string } | null };
    const submitted: number[] = [];
    const running: number[] = [];
    const done: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      // The agent may still be connecting at first: a launch on a cluster without inventory is refused.
      let res: Response;
      for (;;) {
        res = await fetch(`${server.base}/api/v1/projects/churn-prediction/runs`, {
          method: "POST",
          headers,
          body: JSON.stringify({ name: `bench-slurm-${i}`, command: "sleep 0.2", cluster: name, gpus: { count: 1, type: "h100" } }),
        });
        if (res.status === 201 || performance.now() - t0 > 60_000) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      if (res.status !== 201) throw new Error(`launch: HTTP ${res.status} ${await res.text()}\n${agent.output()}`);
      const start = i === 0 ? performance.now() : t0;
      const { id } = (await res.json()) as { id: string };
      let seenSubmitted = false;
      let seenRunning = false;
      for (;;) {
        const r = await run(id);
        const now = performance.now() - start;
        if (!seenSubmitted && r.scheduler) {
          seenSubmitted = true;
          submitted.push(now);
        }
        if (!seenRunning && (r.status === "running" || r.status === "succeeded")) {
          seenRunning = true;
          running.push(now);
        }
        if (r.status === "succeeded") {
          done.push(now);
          break;
        }
        if (r.status === "failed" || r.status === "cancelled" || r.status === "lost") throw new Error(`run ${id} went ${r.status}\n${agent.output()}`);
        if (now > 60_000) throw new Error(`run ${id} did not finish within 60 s\n${agent.output()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    return {
      database: server.database,
      slurm: process.env.SLURM_CONF,
      launches: done.length,
      launchToSubmittedP50Ms: pct(submitted, 50),
      launchToRunningP50Ms: pct(running, 50),
      launchToSucceededP50Ms: pct(done, 50),
      note: "a 'sleep 0.2' job asking for 1 × H100; the agent asks squeue at most every 2 s for all its jobs, which bounds how soon 'running' and the end are seen",
    };
  } finally {
    agent?.proc.kill("SIGTERM");
    await agent?.exited;
    await server.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
