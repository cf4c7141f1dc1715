import { expect, test, type Browser, type BrowserContext, type Page, type Request } from "@playwright/test";
import { screenshot, signIn } from "./fixtures/personas";

// The model registry journey across personas: the data scientist registers a version from a run and
// asks for production; a replayed approval with the data scientist's session is refused; ops approve
// with a reason; the manager sees the new production version; ops roll back; the audit feed shows
// every step. The demo seed put churn-classifier v2 (balanced-lr) in production before.

test.describe.configure({ timeout: 180_000 });

const project = "churn-prediction";
const model = "churn-classifier";

const contexts: BrowserContext[] = [];
test.afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
});

async function as(browser: Browser, email: string): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await signIn(page, email);
  return page;
}

async function activity(page: Page): Promise<string[]> {
  const summaries: string[] = [];
  for (let cursor: number | null = null, i = 0; i < 50; i++) {
    const res = await page.request.get(`/api/v1/projects/${project}/activity?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
    const body = (await res.json()) as { items: { summary: string }[]; nextCursor: number | null };
    summaries.push(...body.items.map((e) => e.summary));
    if (!(cursor = body.nextCursor)) break;
  }
  return summaries;
}

test("register → request production → replayed ds approval refused → ops approves → manager sees it → ops rolls back, all audited", async ({ browser }, testInfo) => {
  // Ops are signed in already, on their home: the approvals queue, with nothing waiting.
  const ops = await as(browser, "ops@ferry.dev");
  await expect(ops).toHaveURL(/\/approvals$/);
  await expect(ops.getByText("Nothing is waiting for a decision")).toBeVisible();

  // 1. The data scientist registers the finished run balanced-lr-0.1 as a new version.
  const ds = await as(browser, "ds@ferry.dev");
  await ds.goto(`/projects/${project}/runs`);
  await ds.getByRole("link", { name: "balanced-lr-0.1", exact: true }).first().click();
  await expect(ds).toHaveURL(/\/runs\/[0-9a-f]{32}$/);
  const registry = ds.getByRole("region", { name: "Model registry" });
  await registry.getByRole("button", { name: "Register model" }).click();
  await registry.getByLabel("Model name").fill(model);
  await expect(registry.getByLabel("Artifact path")).toHaveValue("model");
  await registry.getByRole("button", { name: "Register version" }).click();
  await expect(ds).toHaveURL(new RegExp(`/models/${model}/versions/3$`));

  // The lineage: version → run → dataset version → code, with the run's metrics.
  const lineage = ds.getByRole("region", { name: "Lineage" });
  await expect(lineage).toContainText("balanced-lr-0.1");
  await expect(lineage).toContainText("subscribers");
  await expect(ds.getByRole("region", { name: "Evaluation metrics" })).toContainText(/recall/i);
  await expect(ds.getByRole("region", { name: "Per-class metrics" })).toContainText("true");
  await screenshot(ds, testInfo, "model-lineage");

  // 2. …and asks for production. The gates run at once and all pass.
  const form = ds.getByRole("region", { name: "Request promotion" });
  await form.getByLabel("Environment").selectOption("production");
  await form.getByLabel("Justification").fill("Recall 0.81 vs 0.74 in production, same data; ROC AUC up 0.01.");
  await form.getByRole("button", { name: "Request promotion" }).click();
  await expect(ds).toHaveURL(new RegExp(`/models/${model}/requests/[0-9a-f-]{36}$`));
  const requestUrl = ds.url();
  const requestId = requestUrl.split("/").pop()!;
  await expect(ds.getByText("Pending approval", { exact: true }).first()).toBeVisible();
  await expect(ds.getByText(/You requested this/)).toBeVisible();
  await expect(ds.getByRole("button", { name: "Approve" })).toHaveCount(0);
  const gates = await (await ds.request.get(`/api/v1/projects/${project}/models/${model}/promotions/${requestId}`)).json();
  expect(gates).toMatchObject({ status: "pending", version: 3, environment: "production", gatesPassed: true });
  expect((gates.gates as { passed: boolean }[]).length).toBeGreaterThanOrEqual(5);
  await screenshot(ds, testInfo, "promotion-request");

  // 3. Ops open the request; capture their approve server action with a too-short reason (refused by
  // validation, so nothing happens), then replay it with a valid reason under the data scientist's session.
  // The badge catches up without a reload (it is fetched again on navigation).
  await ops.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Projects", exact: true }).click();
  await expect(ops.getByRole("link", { name: /^Approvals/ })).toHaveAccessibleName(/1 awaiting your decision/);
  await ops.getByRole("link", { name: /^Approvals/ }).click();
  await expect(ops.getByRole("link", { name: `Version 3` }).first()).toBeVisible();
  await screenshot(ops, testInfo, "approvals");
  await ops.goto(requestUrl);
  const captured = new Promise<Request>((resolve) => {
    ops.on("request", (r) => {
      if (r.method() === "POST" && r.headers()["next-action"]) resolve(r);
    });
  });
  await ops.getByLabel("Reason").fill("ok");
  await ops.getByRole("button", { name: "Approve" }).click();
  const request = await captured;
  await expect(ops.getByText(/at least 3 characters/)).toBeVisible();
  const body = request.postDataBuffer()!.toString("latin1");
  expect(body).toContain("\r\n\r\nok\r\n");
  const replayBody = body.replace("\r\n\r\nok\r\n", "\r\n\r\nreplayed by the requester\r\n");
  const headers = request.headers();
  const replayHeaders: Record<string, string> = {
    "next-action": headers["next-action"]!,
    "content-type": headers["content-type"]!,
    accept: headers["accept"] ?? "text/x-component",
    origin: headers["origin"] ?? new URL(request.url()).origin,
  };
  if (headers["next-router-state-tree"]) replayHeaders["next-router-state-tree"] = headers["next-router-state-tree"];
  const replayed = await ds.request.post(request.url(), { headers: replayHeaders, data: Buffer.from(replayBody, "latin1") });
  expect(await replayed.text()).toContain("you are not allowed to approve or reject a promotion");
  const still = await (await ds.request.get(`/api/v1/projects/${project}/models/${model}/promotions/${requestId}`)).json();
  expect(still).toMatchObject({ status: "pending", decidedBy: null });

  // 4. Ops approve with a reason: version 3 goes to production.
  await ops.getByLabel("Reason").fill("Gates passed; retention team ready for the larger outreach list.");
  await ops.getByRole("button", { name: "Approve" }).click();
  await expect(ops.getByText("Approved", { exact: true }).first()).toBeVisible();
  await expect(ops.getByText("Gates passed; retention team ready for the larger outreach list.").first()).toBeVisible();
  await screenshot(ops, testInfo, "promotion-approved");

  // 5. The manager sees version 3 in production, on the models list and the model page.
  const manager = await as(browser, "manager@ferry.dev");
  await manager.goto(`/projects/${project}/models`);
  await expect(manager.getByRole("row", { name: new RegExp(model) })).toContainText(/v?3/);
  await manager.getByRole("link", { name: model, exact: true }).first().click();
  const production = manager.getByRole("region", { name: "Production", exact: true });
  await expect(production).toContainText(/[Vv]ersion 3|v3/);
  await expect(manager.getByRole("button", { name: /Roll back/ })).toHaveCount(0);
  await screenshot(manager, testInfo, "model-page");

  // 6. Ops roll production back to version 2, with a reason.
  await ops.goto(`/projects/${project}/models/${model}`);
  const prodCard = ops.getByRole("region", { name: "Production", exact: true });
  await prodCard.getByRole("button", { name: "Roll back to version 2…" }).click();
  await prodCard.getByLabel("Reason").fill("Complaints from the retention team about list size; back to v2 while we check.");
  await prodCard.getByRole("button", { name: "Roll back production to version 2" }).click();
  await expect(prodCard).toContainText(/[Vv]ersion 2|v2/);
  await expect(prodCard).toContainText("Complaints from the retention team");
  const env = await (await manager.request.get(`/api/v1/projects/${project}/models/${model}/environments/production`)).json();
  expect(env.current).toMatchObject({ version: 2, kind: "rollback" });
  expect((env.history as { version: number }[]).map((h) => h.version).slice(0, 3)).toEqual([2, 3, 2]);
  await manager.reload();
  await expect(manager.getByRole("region", { name: "Production", exact: true })).toContainText(/[Vv]ersion 2|v2/);
  await screenshot(ops, testInfo, "model-rolled-back");

  // 7. The audit feed shows each step.
  const feed = await activity(manager);
  const expected = [
    /registered version 3 of churn-classifier from run balanced-lr-0\.1/,
    /requested production for churn-classifier version 3: all \d+ gates passed/,
    /ops@ferry\.dev approved production for churn-classifier version 3: Gates passed/,
    /churn-classifier version 3 is now in production/,
    /ops@ferry\.dev rolled production of churn-classifier back to version 2: Complaints/,
  ];
  for (const re of expected) expect(feed.some((s) => re.test(s)), String(re)).toBe(true);
  await manager.goto(`/projects/${project}`);
  await expect(manager.getByRole("list", { name: "Project activity" })).toContainText("rolled production of churn-classifier back to version 2");
});

test("bad input is refused with a clear message and writes nothing", async ({ browser }) => {
  const ds = await as(browser, "ds@ferry.dev");
  const api = (path: string, data: unknown) => ds.request.post(`/api/v1/projects/${project}/models/${model}${path}`, { data });
  const before = await (await ds.request.get(`/api/v1/projects/${project}/models/${model}/promotions`)).json();
  // Unknown environment.
  const unknown = await api("/promotions", { version: 2, environment: "prod", justification: "typo" });
  expect(unknown.status()).toBe(400);
  expect((await unknown.json()).error).toContain('Unknown environment "prod"');
  // A version of a run that failed: register one through the MLflow API first (a failed run with a model).
  const run = await ds.request.post("/api/2.0/mlflow/runs/create", { data: { experiment_id: (await experimentId(ds)), run_name: "e2e-failed" } });
  const runId = (await run.json()).run.info.run_id as string;
  await ds.request.put(`/api/2.0/mlflow-artifacts/artifacts/${await experimentId(ds)}/${runId}/artifacts/model/model.json`, { data: "{}" });
  await ds.request.post("/api/2.0/mlflow/runs/update", { data: { run_id: runId, status: "FAILED" } });
  const created = await ds.request.post("/api/2.0/mlflow/model-versions/create", { data: { name: model, source: `runs:/${runId}/model`, run_id: runId } });
  expect(created.status()).toBe(200);
  const failedVersion = Number((await created.json()).model_version.version);
  const failed = await api("/promotions", { version: failedVersion, environment: "production", justification: "please" });
  expect(failed.status()).toBe(409);
  expect((await failed.json()).error).toMatch(/failed: a version made by a run that did not succeed cannot be promoted/);
  // Sources that leave the run's artifacts.
  for (const source of [`runs:/${runId}/../other`, `runs:/${runId}/%2e%2e%2fother`]) {
    const res = await ds.request.post("/api/2.0/mlflow/model-versions/create", { data: { name: model, source, run_id: runId } });
    expect(res.status()).toBe(400);
    expect((await res.json()).error_code).toBe("INVALID_PARAMETER_VALUE");
  }
  // Alias production through the MLflow API.
  const alias = await ds.request.post("/api/2.0/mlflow/registered-models/alias", { data: { name: model, alias: "production", version: "1" } });
  expect(alias.status()).toBe(403);
  expect(await alias.json()).toMatchObject({ error_code: "PERMISSION_DENIED" });
  const after = await (await ds.request.get(`/api/v1/projects/${project}/models/${model}/promotions`)).json();
  expect(after.promotions).toHaveLength(before.promotions.length);
  const versions = (await (await ds.request.get(`/api/v1/projects/${project}/models/${model}`)).json()).versions as { version: number }[];
  expect(Math.max(...versions.map((v) => v.version))).toBe(failedVersion);

  // Rejection without a reason (ops), in the browser.
  const requested = await api("/promotions", { version: 1, environment: "staging", justification: "baseline to staging for a shadow test" });
  expect(requested.status()).toBe(201);
  const { id } = (await requested.json()) as { id: string };
  const ops = await as(browser, "ops@ferry.dev");
  await ops.goto(`/projects/${project}/models/${model}/requests/${id}`);
  await ops.getByRole("button", { name: "Reject" }).click();
  await expect(ops.getByText(/Give a reason for the rejection/)).toBeVisible();
  const still = await (await ops.request.get(`/api/v1/projects/${project}/models/${model}/promotions/${id}`)).json();
  expect(still.status).toBe("blocked");
});

async function experimentId(page: Page): Promise<string> {
  const res = await page.request.get(`/api/2.0/mlflow/experiments/get-by-name?experiment_name=${project}`);
  return ((await res.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id;
}
