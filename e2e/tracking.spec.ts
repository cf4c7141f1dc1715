import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import MLflow from "mlflow";
import { expect, test, type Page } from "@playwright/test";
import { screenshot, signIn } from "./fixtures/personas";

// The tracking journey against the production server: the reference trainer (an MLflow REST
// client, run as `npm run example:train` would) logs a run over HTTP while the data scientist
// watches it live, then compares it with a seeded run.

async function createToken(page: Page): Promise<string> {
  const res = await page.request.post("/api/v1/tokens", { data: { name: `trainer ${Date.now().toString(36)}` } });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

function runTrainer(baseURL: string, token: string, args: string[]): { done: Promise<{ code: number | null; out: string }> } {
  const child = spawn(
    "node",
    ["node_modules/tsx/dist/cli.mjs", "lib/examples/train-cli.ts", "--data", "public/demo/churn.csv", "--target", "churned", "--tracking-uri", baseURL, ...args],
    { env: { ...process.env, MLFLOW_TRACKING_TOKEN: token, MLFLOW_EXPERIMENT_NAME: "churn-prediction" } },
  );
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return { done: new Promise((resolve) => child.on("close", (code) => resolve({ code, out }))) };
}

test("the example trainer logs a run live; the data scientist watches its curves and compares it with another run", async ({ page, baseURL }, testInfo) => {
  test.setTimeout(180_000);
  await signIn(page, "ds@ferry.dev");
  const token = await createToken(page);

  // Slow epochs, so the run is still running when the page opens.
  const trainer = runTrainer(baseURL!, token, [
    "--run-name",
    "e2e-live-run",
    "--epochs",
    "12",
    "--epoch-delay-ms",
    "1500",
    "--dataset-uri",
    "ferry://churn-prediction/datasets/subscribers/versions/1",
  ]);
  await page.goto("/projects/churn-prediction/runs");
  const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: "e2e-live-run" }) });
  await expect(async () => {
    await page.reload();
    await expect(row).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 60_000 });
  await expect(row.getByText("Running")).toBeVisible();
  await row.getByRole("link", { name: "e2e-live-run" }).click();
  await expect(page.getByRole("heading", { name: /e2e-live-run/ })).toBeVisible();
  await expect(page.getByText("Live: refreshing every 3 s")).toBeVisible();
  await expect(page.getByRole("region", { name: "accuracy", exact: true }).locator(".recharts-line-curve")).toHaveCount(1);
  await screenshot(page, testInfo, "run-live");

  const { code, out } = await trainer.done;
  expect(code, out).toBe(0);
  const runId = /Created run ([0-9a-f]{32})/.exec(out)![1]!;
  // Without a reload, the page notices the run finished.
  await expect(page.getByRole("heading", { name: /e2e-live-run/ }).getByText("Finished")).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText("Live: refreshing every 3 s")).toHaveCount(0);

  // The charts show the values the trainer logged (read back through the MLflow API).
  const api = await page.request.get(`/api/2.0/mlflow/runs/get?run_id=${runId}`, { headers: { authorization: `Bearer ${token}` } });
  const logged = (await api.json()) as { run: { data: { metrics: { key: string; value: number; step: number }[] } } };
  for (const key of ["accuracy", "precision", "recall"]) {
    const metric = logged.run.data.metrics.find((m) => m.key === key)!;
    expect(metric.step).toBe(12);
    const chart = page.getByRole("region", { name: key, exact: true });
    await expect(chart).toBeVisible();
    await expect(chart.getByText(String(Number(metric.value.toPrecision(4))), { exact: false }).first()).toBeVisible();
    await expect(chart.locator(".recharts-line-curve")).toHaveCount(1);
  }
  // Lineage: the input links to the dataset version.
  await expect(page.getByRole("link", { name: "subscribers v1" })).toBeVisible();
  await screenshot(page, testInfo, "run-finished");

  // Compare with a seeded run.
  await page.goto("/projects/churn-prediction/runs");
  await page.getByLabel("Select e2e-live-run").check();
  await page.getByLabel("Select baseline-lr").check();
  await page.getByRole("link", { name: "Compare 2 runs" }).click();
  await expect(page.getByRole("heading", { name: "Comparing 2 runs" })).toBeVisible();
  const params = page.getByRole("table", { name: /Parameters/ });
  await expect(params.getByRole("row").filter({ hasText: "epochs" })).toContainText("differs");
  await expect(params.getByRole("row").filter({ hasText: "class_weight" })).toContainText("differs");
  const accuracy = page.getByRole("region", { name: "accuracy", exact: true });
  await expect(accuracy.locator(".recharts-line-curve")).toHaveCount(2);
  await screenshot(page, testInfo, "runs-compare");
});

test("the artifact proxy of the production server refuses traversal and round-trips files", async ({ page, baseURL }) => {
  await signIn(page, "ds@ferry.dev");
  const token = await createToken(page);
  const auth = { authorization: `Bearer ${token}` };
  const exp = (await (await page.request.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn-prediction", { headers: auth })).json()) as {
    experiment: { experiment_id: string };
  };
  const created = (await (await page.request.post("/api/2.0/mlflow/runs/create", { headers: auth, data: { experiment_id: exp.experiment.experiment_id } })).json()) as {
    run: { info: { run_id: string; artifact_uri: string } };
  };
  const { run_id: runId, artifact_uri: uri } = created.run.info;
  const root = uri.replace("mlflow-artifacts:", "/api/2.0/mlflow-artifacts/artifacts");
  const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
  expect((await page.request.put(`${root}/model/model.bin`, { headers: auth, data: bytes })).status()).toBe(200);
  const down = await page.request.get(`${root}/model/model.bin`, { headers: auth });
  expect(Buffer.from(await down.body()).equals(bytes)).toBe(true);

  // Raw requests: the path goes on the wire as written, past any client-side normalisation.
  const { hostname, port } = new URL(baseURL!);
  const raw = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ hostname, port, method: "PUT", path, headers: auth }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end("pwned");
    });
  // Encoded forms reach Ferry, which refuses them.
  for (const form of [`${root}/..%2f..%2fp.txt`, `${root}/%2e%2e%2f%2e%2e%2fp.txt`, `${root}/%2e%2e/%2e%2e/p.txt`, `${root}/%252e%252e%252fp.txt`, `${root}/..%5cp.txt`, `${root}/%2fetc%2fp.txt`]) {
    expect(await raw(form), form).toBe(400);
  }
  // Literal "..", backslashes and "//" never reach Ferry as such: Next.js resolves them first (URL
  // standard), answering 404 or a 308 to the resolved path. Either way nothing is written.
  for (const form of [`${root}/../../../../../../p.txt`, `${root}/..\\..\\p.txt`, `${root}//etc/p.txt`]) {
    expect([308, 400, 404], form).toContain(await raw(form));
  }
  const stray = (fs.readdirSync(process.env.FERRY_E2E_DATA_DIR!, { recursive: true }) as string[]).filter((f) => f.endsWith("p.txt"));
  expect(stray).toEqual([]);
  const listing = await page.request.get(`/api/2.0/mlflow/artifacts/list?run_id=${runId}`, { headers: auth });
  expect(((await listing.json()) as { files: { path: string }[] }).files.map((f) => f.path)).toEqual(["model"]);

  // The run page lists the file, and its link downloads it with the browser session.
  await page.goto(`/projects/churn-prediction/runs/${runId}`);
  const link = page.getByRole("link", { name: "model/model.bin" });
  await expect(link).toBeVisible();
  const download = await page.request.get((await link.getAttribute("href"))!);
  expect(Buffer.from(await download.body()).equals(bytes)).toBe(true);
});

test("the npm mlflow client drives the production server: run, log-batch, history, search, finish", async ({ page, baseURL }) => {
  await signIn(page, "ds@ferry.dev");
  const token = await createToken(page);
  const log = console.log;
  console.log = () => {}; // the package prints every request body
  try {
    const client = new MLflow({ endpoint: baseURL!, headers: { Authorization: `Bearer ${token}` } });
    const { experiment } = (await client.Experiments.get({ experiment_id: await experimentId(page, token) })) as { experiment: { experiment_id: string; name: string } };
    expect(experiment.name).toBe("churn-prediction");
    const { run } = (await client.Runs.create({ experiment_id: experiment.experiment_id, start_time: Date.now() } as never)) as { run: { info: { run_id: string } } };
    const runId = run.info.run_id;
    const metrics = Array.from({ length: 50 }, (_, i) => ({ key: "accuracy", value: 0.5 + i / 100, timestamp: Date.now(), step: i }));
    await client.Runs.logBatch({ run_id: runId, metrics, params: [{ key: "optimizer", value: "sgd" }], tags: [] });
    const history = (await client.Metrics.getHistory({ run_id: runId, metric_key: "accuracy" })) as { metrics: { step: number }[] };
    expect(history.metrics).toHaveLength(50);
    const found = (await client.Runs.search({ experiment_ids: [experiment.experiment_id], filter: "metrics.accuracy > 0.985 AND params.optimizer = 'sgd'" } as never)) as {
      runs: { info: { run_id: string } }[];
    };
    expect(found.runs.map((r) => r.info.run_id)).toEqual([runId]);
    await client.Runs.update({ run_id: runId, status: "FINISHED", end_time: Date.now() } as never);
    const after = (await client.Runs.get({ run_id: runId })) as { run: { info: { status: string } } };
    expect(after.run.info.status).toBe("FINISHED");
  } finally {
    console.log = log;
  }
});

async function experimentId(page: Page, token: string): Promise<string> {
  const res = await page.request.get("/api/2.0/mlflow/experiments/get-by-name?experiment_name=churn-prediction", { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id;
}
