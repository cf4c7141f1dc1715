// Test support for clusters and the scheduler: registered clusters with an inventory, and queues of
// synthetic launched runs inserted in bulk (as launchRun would leave them, without its validation).
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import type { AgentCluster } from "@/lib/auth/agent";
import type { Actor } from "@/lib/auth/authorize";
import { queryRows } from "@/db";
import { hello, reportStatus, StaleClaimError } from "./agent";
import { claimRuns } from "./scheduler";
import { registerCluster, setQuota } from "./service";

export const testTimings = { heartbeatIntervalMs: 200, offlineAfterMs: 1_000 };

export async function addCluster(
  db: Db,
  actor: Actor,
  name: string,
  gpus: { type: string; count: number }[],
  executor: AgentCluster["executor"] = "local",
): Promise<AgentCluster & { token: string }> {
  const { id, agentToken } = await registerCluster(db, actor, { name, executor, description: "", costPerGpuHour: 2 });
  const cluster = { id, name, executor };
  await hello(db, cluster, { protocol: 1, agentVersion: "test", hostname: `${name}.test`, executor, inventory: { gpus }, jobs: [] }, testTimings);
  return { ...cluster, token: agentToken };
}

export interface SyntheticRun {
  gpuCount: number;
  gpuType: string | null;
  priority?: number;
  clusterId?: string | null;
  projectId: string;
}

/** Inserts queued runs in one statement per table; returns their ids in queue order. */
export async function queueSyntheticRuns(db: Db, userId: string, list: SyntheticRun[]): Promise<string[]> {
  const rows = list.map((r, i) => ({
    id: crypto.randomBytes(16).toString("hex"),
    project_id: r.projectId,
    name: `synthetic-${i}`,
    gpu_count: r.gpuCount,
    gpu_type: r.gpuType,
    priority: r.priority ?? 0,
    cluster_id: r.clusterId ?? null,
    ord: i,
  }));
  for (let i = 0; i < rows.length; i += 5000) {
    const chunk = JSON.stringify(rows.slice(i, i + 5000));
    await db.execute(sql`
      insert into runs (id, project_id, name, status, user_id, start_time)
      select id, project_id, name, 'SCHEDULED', ${userId}, ${Date.now()} from json_to_recordset(${chunk}::json) as r(id text, project_id uuid, name text)`);
    await db.execute(sql`
      insert into run_jobs (run_id, project_id, priority, requested_cluster_id, gpu_type, gpu_count, command, created_by)
      select id, project_id, priority, cluster_id, gpu_type, gpu_count, 'true', ${userId}
      from json_to_recordset(${chunk}::json) as r(id text, project_id uuid, priority int, cluster_id uuid, gpu_type text, gpu_count int, ord int)
      order by r.ord`);
  }
  return rows.map((r) => r.id);
}

export interface RaceOptions {
  claimers: number;
  clusters: number;
  runs: number;
  userId: string;
  projectIds: [string, string];
  seed: number;
}

/**
 * The claiming race of DESIGN §5: `claimers` agents (several per cluster) drain `runs` queued runs
 * with random GPU asks from clusters with random inventories and quotas, each run reported running
 * then succeeded. A sampler checks, one snapshot at a time, that no pool and no quota is ever
 * exceeded. Used by the integration test and by `npm run bench`.
 */
export async function runClaimRace(db: Db, admin: Actor, o: RaceOptions) {
  const rand = mulberry32(o.seed);
  const types = ["h100", "a100", "l4"];
  const tag = crypto.randomBytes(2).toString("hex");
  const cl: (AgentCluster & { token: string })[] = [];
  // What each cluster offers each project: per type, min(GPUs of that type, the project's quota there).
  const offers: { type: string; total: number; quota: number | null }[] = [];
  for (let i = 0; i < o.clusters; i++) {
    const gpus = types.filter(() => rand() < 0.7).map((type) => ({ type, count: 1 + Math.floor(rand() * 8) }));
    const c = await addCluster(db, admin, `race-${tag}-${i}`, gpus);
    cl.push(c);
    const quota = rand() < 0.5 ? 1 + Math.floor(rand() * 4) : null;
    if (quota !== null) await setQuota(db, admin, c, { projectId: o.projectIds[0], maxGpus: quota });
    for (const g of gpus) offers.push({ type: g.type, total: g.count, quota });
  }
  // The largest ask some cluster can ever run for the project (type, or any type): no run waits forever.
  const feasible = (project: number, type: string | null) =>
    Math.max(0, ...offers.filter((f) => !type || f.type === type).map((f) => (project === 0 && f.quota !== null ? Math.min(f.total, f.quota) : f.total)));
  const specs: SyntheticRun[] = [];
  for (let i = 0; i < o.runs; i++) {
    const project = Math.floor(rand() * 2);
    const type = rand() < 0.8 ? types[Math.floor(rand() * types.length)]! : null;
    const limit = Math.min(feasible(project, type), 4);
    const count = limit === 0 || rand() < 0.15 ? 0 : 1 + Math.floor(rand() * limit);
    specs.push({ projectId: o.projectIds[project]!, gpuCount: count, gpuType: count ? type : null, priority: rand() < 0.1 ? 1 : 0 });
  }
  const ids = new Set(await queueSyntheticRuns(db, o.userId, specs));

  const claimedBy = new Map<string, number>();
  const fences = new Set<number>();
  const violations: string[] = [];
  let staleReportRefused: boolean | null = null;
  let done = false;
  let claims = 0;
  const sampler = (async () => {
    let samples = 0;
    while (!done || samples === 0) {
      // One statement, one snapshot: usage per pool and per (cluster, project) against the limits.
      const bad = await queryRows<{ what: string }>(
        db,
        sql`select 'pool ' || p.cluster_id || '/' || p.gpu_type as what from cluster_gpu_pools p
              where (select count(*) from gpu_allocations a where a.cluster_id = p.cluster_id and a.gpu_type = p.gpu_type) > p.total
            union all
            select 'quota ' || q.cluster_id || '/' || q.project_id from cluster_quotas q
              where (select count(*) from gpu_allocations a where a.cluster_id = q.cluster_id and a.project_id = q.project_id) > q.max_gpus
            union all
            select 'job ' || j.run_id from run_jobs j
              where j.status in ('scheduled', 'running') and j.gpu_count <> (select count(*) from gpu_allocations a where a.run_id = j.run_id)`,
      );
      violations.push(...bad.map((b) => b.what));
      samples++;
      await new Promise((r) => setTimeout(r, 2));
    }
    return samples;
  })();
  const worker = async (c: AgentCluster, w: number) => {
    for (let idle = 0; ; ) {
      const got = await claimRuns(db, c.id, 4);
      if (!got.length) {
        const [left] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from run_jobs where status in ('queued', 'scheduled', 'running')`);
        if (Number(left!.n) === 0) return;
        if (++idle > 20_000) throw new Error(`claimers stalled with ${left!.n} runs left`);
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      claims += got.length;
      for (const g of got) {
        if (!ids.has(g.runId)) violations.push(`unknown run ${g.runId}`);
        claimedBy.set(g.runId, (claimedBy.get(g.runId) ?? 0) + 1);
        if (fences.has(g.fence)) violations.push(`fence ${g.fence} reused`);
        fences.add(g.fence);
        await reportStatus(db, c, { id: g.runId, fence: g.fence, status: "running", at: Date.now() });
        // Once, a report with an older fence for a live run: it must be refused.
        if (staleReportRefused === null && w === 0 && g.fence > 1) {
          staleReportRefused = await reportStatus(db, c, { id: g.runId, fence: g.fence - 1, status: "failed", at: Date.now() }).then(
            () => false,
            (e) => e instanceof StaleClaimError,
          );
        }
        await reportStatus(db, c, { id: g.runId, fence: g.fence, status: "succeeded", at: Date.now(), exitCode: 0 });
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: o.claimers }, (_, i) => worker(cl[i % cl.length]!, i)));
  const seconds = (performance.now() - t0) / 1000;
  done = true;
  const samples = await sampler;
  return {
    seconds,
    claims,
    claimed: claimedBy.size,
    claimedTwice: [...claimedBy.values()].filter((n) => n > 1).length,
    violations,
    samples,
    staleReportRefused: staleReportRefused === true,
  };
}

export function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
