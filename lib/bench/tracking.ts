// Tracking benches (part of `npm run bench`), on PGlite or, with BENCH_DATABASE_URL, PostgreSQL:
//   ingest  — 1,000,000 metric points through runs/log-batch (1,000 a request, 4 senders) of a
//             production server over HTTP with an API token: points/s. Then the cost of retrying an
//             identical batch when the run holds 10,000 points and when it holds 1,000,000.
//   queries — in-process (the server's own query code, so "server time"): the chart query for a
//             1,000,000-point series (and one where every point has step 0), and the runs table of a
//             project with 100,000 runs filtered and sorted by a metric. Data built with SQL.
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import { openDatabase, queryRows, type Database } from "@/db/client";
import { freshPostgresDatabase, startBenchServer } from "./server";

const TOTAL_POINTS = 1_000_000;
const PER_BATCH = 1000;
const SENDERS = 4;
const INGEST_TARGET = { postgres: 50_000, pglite: 10_000 };
const CHART_TARGET_MS = 150;
const TABLE_TARGET_MS = 150;

export function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
}

/** Batch i of the ingest: 10 metric keys × 100 steps, distinct per batch. */
function batch(runId: string, i: number) {
  const metrics = [];
  for (let k = 0; k < 10; k++) {
    for (let s = 0; s < 100; s++) {
      const step = i * 100 + s;
      metrics.push({ key: `metric_${k}`, value: Math.sin(step / 1000 + k) + k, timestamp: 1_700_000_000_000 + step * 10, step });
    }
  }
  return JSON.stringify({ run_id: runId, metrics });
}

export async function benchTrackingIngest(): Promise<Record<string, unknown>> {
  const server = await startBenchServer();
  try {
    const cookie = await server.signIn("ds@ferry.dev");
    const created = await fetch(`${server.base}/api/v1/tokens`, {
      method: "POST",
      headers: { cookie, "content-type": "application/json" },
      body: JSON.stringify({ name: `bench ${crypto.randomUUID()}` }),
    });
    const { token } = (await created.json()) as { token: string };
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const api = (endpoint: string, body: string) => fetch(`${server.base}/api/2.0/mlflow/${endpoint}`, { method: "POST", headers, body });
    const exp = (await (await fetch(`${server.base}/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn-prediction`, { headers })).json()) as {
      experiment: { experiment_id: string };
    };
    const run = (await (await api("runs/create", JSON.stringify({ experiment_id: exp.experiment.experiment_id, run_name: "ingest-bench" }))).json()) as {
      run: { info: { run_id: string } };
    };
    const runId = run.run.info.run_id;
    const send = async (i: number) => {
      const res = await api("runs/log-batch", batch(runId, i));
      if (res.status !== 200) throw new Error(`log-batch ${i}: HTTP ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    const retryCost = async (i: number) => {
      const times: number[] = [];
      for (let r = 0; r < 20; r++) {
        const t0 = performance.now();
        await send(i);
        times.push(performance.now() - t0);
      }
      return { p50Ms: pct(times, 50), p95Ms: pct(times, 95) };
    };
    const batches = TOTAL_POINTS / PER_BATCH;
    // The first 10 batches build a 10,000-point history and warm the server up.
    for (let i = 0; i < 10; i++) await send(i);
    const retryAt10k = await retryCost(9);
    let next = 10;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < batches) await send(next++);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const pointsPerSecond = Math.round(((batches - 10) * PER_BATCH) / seconds);
    const retryAt1M = await retryCost(batches - 1);
    const history = (await (await fetch(`${server.base}/api/2.0/mlflow/runs/get?run_id=${runId}`, { headers })).json()) as {
      run: { data: { metrics: unknown[] } };
    };
    const target = INGEST_TARGET[server.database];
    return {
      database: server.database,
      points: (batches - 10) * PER_BATCH,
      pointsPerRequest: PER_BATCH,
      concurrentSenders: SENDERS,
      seconds: Math.round(seconds * 10) / 10,
      pointsPerSecond,
      targetPointsPerSecond: target,
      retryIdenticalBatch: { at10kPoints: retryAt10k, at1MPoints: retryAt1M },
      metricsInRun: history.run.data.metrics.length,
      pass: pointsPerSecond >= target,
    };
  } finally {
    await server.stop();
  }
}

export async function openBenchDatabase(): Promise<{ database: Database; kind: "pglite" | "postgres"; drop: () => Promise<void> }> {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) return { database: await openDatabase({ kind: "pglite", dataDir: null }), kind: "pglite", drop: async () => {} };
  const fresh = await freshPostgresDatabase(url);
  const database = await openDatabase({ kind: "postgres", url: fresh.url });
  return { database, kind: "postgres", drop: fresh.drop };
}

export async function benchTrackingQueries(): Promise<Record<string, unknown>> {
  const { database, kind, drop } = await openBenchDatabase();
  const { db } = database;
  try {
    const { getChartSeries } = await import("@/lib/tracking/series");
    const { listRunsPage, runsPageQuerySchema } = await import("@/lib/tracking/runs-page");
    const [project] = await queryRows<{ id: string }>(db, sql`insert into projects (slug, name) values ('bench', 'Bench') returning id`);
    const projectId = project!.id;
    console.error(`[bench] building 100,000 runs and two 1,000,000-point series (through logBatch) on ${kind}…`);
    const t0 = performance.now();
    await db.execute(sql`
      insert into runs (id, project_id, name, status, start_time, end_time)
      select md5('run' || g), ${projectId}::uuid, 'run-' || g, (array['FINISHED','FAILED','RUNNING'])[1 + g % 3]::run_status,
             1700000000000 + g * 1000, 1700000000000 + g * 1000 + 60000
      from generate_series(1, 100000) g`);
    for (const [key, expr] of [
      ["accuracy", "0.5 + (hashint4(g) % 1000000)::float8 / 2000000.0"],
      ["loss", "1.0 + (hashint4(g * 7) % 1000000)::float8 / 1000000.0"],
    ] as const) {
      await db.execute(
        sql.raw(`
        insert into metric_series (run_id, project_id, key, latest_value, latest_step, latest_timestamp, first_value, first_step, first_timestamp,
                                   point_count, min_value, max_value, min_step, max_step, min_timestamp, max_timestamp)
        select md5('run' || g), '${projectId}', '${key}', v, 10, 1700000000000, v, 10, 1700000000000, 1, v, v, 10, 10, 1700000000000, 1700000000000
        from (select g, abs(${expr}) as v from generate_series(1, 100000) g) s`),
      );
    }
    await db.execute(sql`insert into run_params (run_id, key, value) select md5('run' || g), 'lr', (array['0.1','0.01','0.001'])[1 + g % 3] from generate_series(1, 100000) g`);
    await db.execute(sql`vacuum analyze`);
    const buildSeconds = Math.round((performance.now() - t0) / 100) / 10;

    const table = async (filter: string, order: string) => {
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < 25; i++) {
        const t = performance.now();
        const page = await listRunsPage(db, projectId, runsPageQuerySchema.parse({ filter, order, page: 3 }));
        times.push(performance.now() - t);
        total = page.total;
        if (page.error) throw new Error(page.error);
      }
      const steady = times.slice(5);
      return { filter, order, matchingRuns: total, p50Ms: pct(steady, 50), p95Ms: pct(steady, 95) };
    };
    const tables = [
      await table("metrics.accuracy > 0.6", "metrics.accuracy DESC"),
      await table("metrics.accuracy > 0.6 AND params.lr = '0.01'", "metrics.loss ASC"),
      await table("", "attributes.start_time DESC"),
    ];
    // The two long series go through the real write path (logBatch: points, summaries and chart tiles).
    const { logBatch, requireRun } = await import("@/lib/tracking/service");
    const chartRunId = crypto.createHash("md5").update("run1").digest("hex");
    const chartRun = await requireRun(db, chartRunId);
    const seriesIds: Record<string, number> = {};
    const tIngest = performance.now();
    for (const [key, stepOf] of [
      ["big_steps", (g: number) => g],
      ["big_step0", () => 0],
    ] as const) {
      for (let b = 0; b < 1000; b++) {
        const metrics = Array.from({ length: 1000 }, (_, i) => {
          const g = b * 1000 + i;
          return { key, value: Math.sin(g / 5000) + ((g * 2654435761) % 1000) / 5000, timestamp: 1_700_000_000_000 + g * 10, step: stepOf(g) };
        });
        await logBatch(db, chartRun, { metrics });
      }
      const [row] = await queryRows<{ id: number }>(db, sql`select id from metric_series where run_id = ${chartRunId} and key = ${key}`);
      seriesIds[key] = Number(row!.id);
    }
    const inProcessPointsPerSecond = Math.round(2_000_000 / ((performance.now() - tIngest) / 1000));
    await db.execute(sql`vacuum analyze`);
    const chart = async (key: string) => {
      const times: number[] = [];
      let points = 0;
      let ok = true;
      const [truth] = await queryRows<{ mn: number; mx: number }>(db, sql.raw(`select min(value) mn, max(value) mx from metric_points where series_id = ${seriesIds[key]}`));
      for (let i = 0; i < 12; i++) {
        const t = performance.now();
        const [s] = await getChartSeries(db, projectId, [chartRunId], [key], "step");
        times.push(performance.now() - t);
        points = s!.points.length;
        const values = s!.points.map((p) => p.value);
        ok &&= points <= 1000 && values.includes(Number(truth!.mn)) && values.includes(Number(truth!.mx)) && s!.total === 1_000_000;
      }
      const steady = times.slice(2);
      return { points, seriesPoints: 1_000_000, includesMinMax: ok, p50Ms: pct(steady, 50), p95Ms: pct(steady, 95) };
    };
    const chartSteps = await chart("big_steps");
    const chartStep0 = await chart("big_step0");

    const chartPass = chartSteps.p95Ms <= CHART_TARGET_MS && chartStep0.p95Ms <= CHART_TARGET_MS && chartSteps.includesMinMax && chartStep0.includesMinMax;
    // DESIGN §5's case is the first (filtered and sorted by one metric) and the default view the
    // third; the second (a metric and a param filter, sorted by another metric) is reported as well.
    const tablePass = tables[0]!.p95Ms <= TABLE_TARGET_MS && tables[2]!.p95Ms <= TABLE_TARGET_MS;
    return {
      database: kind,
      buildSeconds,
      inProcessIngestPointsPerSecond: inProcessPointsPerSecond,
      chart1MPoints: { steps: chartSteps, everyStepZero: chartStep0, targetMs: CHART_TARGET_MS, targetAppliesTo: "postgres" },
      runsTable100kRuns: { pageSize: 25, cases: tables, targetP95Ms: TABLE_TARGET_MS },
      // DESIGN §5 states the chart target for PostgreSQL; on PGlite it is reported, not enforced.
      pass: kind === "postgres" ? chartPass && tablePass : tablePass,
    };
  } finally {
    await database.close();
    await drop();
  }
}
