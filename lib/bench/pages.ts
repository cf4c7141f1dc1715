// Page bench (part of `npm run bench`): DESIGN §5 page targets on the seeded demo, against a production build.
//   - server response time per page (p50/p95 over N sequential requests, signed in), target ≤ 300 ms p95
//   - first-load JavaScript per route (every script the HTML loads, gzipped), target ≤ 200 kB
// Uses PGlite in a fresh data dir, or PostgreSQL with BENCH_DATABASE_URL.
import os from "node:os";
import zlib from "node:zlib";
import { startBenchServer } from "./server";

const N = Number(process.env.BENCH_REQUESTS ?? 60);
const TARGET_P95_MS = 300;
const TARGET_JS_KB = 200;

const pages: { path: string; as: string }[] = [
  { path: "/sign-in", as: "" },
  { path: "/projects", as: "admin@ferry.dev" },
  { path: "/projects/churn-prediction", as: "ds@ferry.dev" },
  { path: "/projects/churn-prediction/members", as: "admin@ferry.dev" },
  { path: "/admin/users", as: "admin@ferry.dev" },
  { path: "/account", as: "manager@ferry.dev" },
  { path: "/projects/churn-prediction/datasets", as: "ds@ferry.dev" },
  { path: "/projects/churn-prediction/datasets/subscribers", as: "ds@ferry.dev" },
  { path: "/projects/churn-prediction/datasets/subscribers/versions/2", as: "manager@ferry.dev" },
  { path: "/api/v1/projects/churn-prediction/datasets/subscribers/versions/2", as: "manager@ferry.dev" },
  { path: "/api/v1/projects/churn-prediction/activity", as: "manager@ferry.dev" },
  { path: "/api/health", as: "" },
  { path: "/projects/churn-prediction/runs", as: "ds@ferry.dev" },
  { path: "/projects/churn-prediction/runs/{run1}", as: "ds@ferry.dev" },
  { path: "/projects/churn-prediction/runs/compare?runs={run1},{run2}", as: "manager@ferry.dev" },
  { path: "/api/v1/projects/churn-prediction/metrics?runs={run1},{run2}&keys=accuracy,precision,recall,f1,loss", as: "ds@ferry.dev" },
  { path: "/projects/churn-prediction/runs/new", as: "ds@ferry.dev" },
  { path: "/clusters", as: "ops@ferry.dev" },
  { path: "/clusters/local", as: "ops@ferry.dev" },
  { path: "/api/v1/clusters", as: "manager@ferry.dev" },
  { path: "/api/v1/projects/churn-prediction/runs/{run1}", as: "ds@ferry.dev" },
  { path: "/projects/churn-prediction/models", as: "manager@ferry.dev" },
  { path: "/projects/churn-prediction/models/churn-classifier", as: "ops@ferry.dev" },
  { path: "/projects/churn-prediction/models/churn-classifier/versions/2", as: "ds@ferry.dev" },
  { path: "/approvals", as: "ops@ferry.dev" },
  { path: "/api/v1/projects/churn-prediction/models/churn-classifier", as: "manager@ferry.dev" },
  { path: "/api/v1/projects/churn-prediction/models/churn-classifier/environments/production", as: "manager@ferry.dev" },
  { path: "/projects/churn-prediction/pipelines", as: "mle@ferry.dev" },
  { path: "/projects/churn-prediction/pipelines/new", as: "mle@ferry.dev" },
  { path: "/projects/churn-prediction/pipelines/retrain-on-new-data", as: "manager@ferry.dev" },
  { path: "/api/v1/projects/churn-prediction/pipelines", as: "manager@ferry.dev" },
  { path: "/health", as: "manager@ferry.dev" },
  { path: "/api/v1/health", as: "manager@ferry.dev" },
];

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timePage(base: string, pagePath: string, cookie: string) {
  const times: number[] = [];
  for (let i = 0; i < N + 5; i++) {
    const t0 = performance.now();
    const res = await fetch(base + pagePath, { headers: cookie ? { cookie } : {}, redirect: "manual" });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${pagePath}: HTTP ${res.status}`);
    if (i >= 5) times.push(performance.now() - t0); // 5 warm-up requests
  }
  times.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return { p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)), maxMs: round(times.at(-1)!), requests: N };
}

async function firstLoadJs(base: string, pagePath: string, cookie: string) {
  const html = await (await fetch(base + pagePath, { headers: cookie ? { cookie } : {} })).text();
  // Scripts a modern browser loads: `nomodule` polyfills are skipped by every browser that runs modules.
  const tags = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]).filter((t) => !/\bnomodule\b/i.test(t));
  const srcs = [...new Set(tags.map((t) => /\bsrc="([^"]+\.js[^"]*)"/.exec(t)?.[1]).filter((s): s is string => Boolean(s)))];
  let gzipBytes = 0;
  for (const src of srcs) {
    const body = Buffer.from(await (await fetch(new URL(src, base))).arrayBuffer());
    gzipBytes += zlib.gzipSync(body, { level: 9 }).length;
  }
  return { scripts: srcs.length, gzipKb: Math.round((gzipBytes / 1024) * 10) / 10 };
}

/** Two of the seeded demo runs, through the MLflow API with a browser session. */
async function demoRunIds(base: string, cookie: string): Promise<string[]> {
  const exp = (await (await fetch(`${base}/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn-prediction`, { headers: { cookie } })).json()) as {
    experiment: { experiment_id: string };
  };
  const res = await fetch(`${base}/api/2.0/mlflow/runs/search`, {
    method: "POST",
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({ experiment_ids: [exp.experiment.experiment_id], max_results: 2 }),
  });
  const { runs } = (await res.json()) as { runs: { info: { run_id: string } }[] };
  if (runs.length < 2) throw new Error("the demo project should have seeded runs");
  return runs.map((r) => r.info.run_id);
}

export async function benchPages(): Promise<Record<string, unknown> & { pass: boolean }> {
  const server = await startBenchServer();
  const { base } = server;
  try {
    const cookies = new Map<string, string>();
    const results: Record<string, unknown>[] = [];
    const runIds = await demoRunIds(base, await server.signIn("ds@ferry.dev"));
    for (const p of pages) {
      if (p.as && !cookies.has(p.as)) cookies.set(p.as, await server.signIn(p.as));
      const cookie = p.as ? cookies.get(p.as)! : "";
      const path = p.path.replace("{run1}", runIds[0]!).replace("{run2}", runIds[1]!);
      const timing = await timePage(base, path, cookie);
      const js = path.startsWith("/api/") ? null : await firstLoadJs(base, path, cookie);
      results.push({ page: p.path, as: p.as || "anonymous", ...timing, firstLoadJsGzipKb: js?.gzipKb ?? null, scripts: js?.scripts ?? null });
    }
    const worstP95 = Math.max(...results.map((r) => r.p95Ms as number));
    const worstJs = Math.max(...results.map((r) => (r.firstLoadJsGzipKb as number | null) ?? 0));
    return {
      database: server.database,
      machine: { cpus: os.cpus().length, node: process.version },
      targets: { serverResponseP95Ms: TARGET_P95_MS, firstLoadJsGzipKb: TARGET_JS_KB },
      worst: { serverResponseP95Ms: worstP95, firstLoadJsGzipKb: worstJs },
      pass: worstP95 <= TARGET_P95_MS && worstJs <= TARGET_JS_KB,
      pages: results,
    };
  } finally {
    await server.stop();
  }
}
