import path from "node:path";
import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "./fixtures/personas";

// Continuous training, as the demo tells it: the ML engineer uploads next month's subscribers export;
// the seeded pipeline retrain-on-new-data validates it, trains on the local agent (the real example
// trainer), clears the gates, registers a version and asks for production, with no one clicking; ops
// approve; the manager's overview counts a promotion made by a pipeline.

const project = "churn-prediction";
const NEXT_MONTH = path.join("public", "demo", "subscribers-2026-11.csv");

test("new demo data → the pipeline runs on the local agent to a pending production request → ops approve → the manager's overview counts it", async ({ browser }, testInfo) => {
  test.setTimeout(240_000);
  const mle = await (await browser.newContext()).newPage();
  await signIn(mle, "mle@ferry.dev");
  const before = await (await mle.request.get("/api/v1/health?days=30")).json();
  const baseline = before.delivery.projects.find((p: { project: { slug: string } }) => p.project.slug === project);

  // 1. Upload the new version on the dataset page.
  await mle.goto(`/projects/${project}/datasets/subscribers`);
  await mle.locator("#version-file").setInputFiles(NEXT_MONTH);
  await mle.getByRole("button", { name: "Upload version" }).click();
  await expect(mle).toHaveURL(/\/datasets\/subscribers\/versions\/\d+$/, { timeout: 30_000 });
  const version = Number(mle.url().split("/").at(-1));

  // 2. The pipeline has started by itself: Pipelines tab → the pipeline → its newest run.
  await mle.getByRole("link", { name: "Pipelines", exact: true }).click();
  const row = mle.getByRole("row", { name: /retrain-on-new-data/ });
  await expect(row).toBeVisible();
  await screenshot(mle, testInfo, "pipelines-list");
  await row.getByRole("link", { name: "retrain-on-new-data" }).click();
  const runs = mle.getByRole("table").filter({ hasText: `subscribers v${version} uploaded` });
  await expect(runs).toBeVisible();
  await runs.getByRole("row", { name: new RegExp(`subscribers v${version} uploaded`) }).getByRole("link").first().click();
  await expect(mle.getByRole("heading", { name: /^Run #\d+/ })).toBeVisible();
  await expect(mle.getByText(`subscribers v${version} uploaded`)).toBeVisible();

  // 3. Live: the steps go by without a reload, up to the request.
  const steps = mle.getByRole("list", { name: "Steps" });
  await expect(steps.getByRole("listitem", { name: "Validate data" })).toContainText(`subscribers v${version} passed validation`);
  const train = steps.getByRole("listitem", { name: "Train" });
  await expect(train).toContainText(/Queued for a cluster|Handed to a cluster|Training|succeeded/);
  await screenshot(mle, testInfo, "pipeline-run-live");
  const request = steps.getByRole("listitem", { name: "Request promotion" });
  await expect(request).toContainText("waiting for an ops approval", { timeout: 180_000 });
  await expect(mle.getByText("Every step succeeded.")).toBeVisible();
  await expect(train.getByRole("link", { name: /^retrain-on-new-data-\d+$/ })).toBeVisible();
  await expect(steps.getByRole("listitem", { name: "Evaluate gates" })).toContainText(/All \d+ gates passed/);
  const versionLink = steps.getByRole("listitem", { name: "Register model version" }).getByRole("link", { name: /^churn-classifier version \d+$/ });
  const registered = Number((await versionLink.textContent())!.match(/\d+$/)![0]);
  const requestLink = request.getByRole("link", { name: "Production request" });
  await expect(request).toContainText("Pending approval");
  await screenshot(mle, testInfo, "pipeline-run-requested");
  const requestUrl = await requestLink.getAttribute("href");

  // 4. Ops approve it (four eyes: the request is the ML engineer's, whom the pipeline acts as).
  const ops = await (await browser.newContext()).newPage();
  await signIn(ops, "ops@ferry.dev");
  await ops.getByRole("link", { name: /^Approvals/ }).click();
  await expect(ops.getByRole("link", { name: `Version ${registered}` }).first()).toBeVisible();
  await ops.goto(requestUrl!);
  await expect(ops.getByText(/^Pipeline retrain-on-new-data, run #\d+: subscribers v\d+ uploaded\./)).toBeVisible();
  await ops.getByLabel("Reason").fill("Retrained on the November export; every gate passed.");
  await ops.getByRole("button", { name: "Approve" }).click();
  await expect(ops.getByText("Approved", { exact: true }).first()).toBeVisible();

  // 5. The manager's overview counts a promotion by a pipeline, with the time from new data to production.
  const manager = await (await browser.newContext()).newPage();
  await signIn(manager, "manager@ferry.dev");
  await manager.goto("/health");
  const delivery = manager.getByRole("table", { name: /Delivery metrics and GPU use per project/ });
  const churn = delivery.getByRole("row", { name: /Churn prediction/ });
  await expect(churn).toContainText(`(${baseline.pipelinePromotions + 1} by pipelines)`);
  const after = await (await manager.request.get("/api/v1/health?days=30")).json();
  const stats = after.delivery.projects.find((p: { project: { slug: string } }) => p.project.slug === project);
  expect(stats.promotions).toBe(baseline.promotions + 1);
  expect(stats.pipelinePromotions).toBe(baseline.pipelinePromotions + 1);
  expect(stats.medianDataToProductionHours).toBeGreaterThan(0);
  expect(stats.pipelineRunsSucceeded).toBeGreaterThanOrEqual(1);
  await screenshot(manager, testInfo, "health-pipeline-promotion");
});

test("the pipeline form refuses a cron expression that does not parse and GPUs no cluster has, next to their fields, saving nothing", async ({ page }, testInfo) => {
  await signIn(page, "mle@ferry.dev");
  await page.goto(`/projects/${project}/pipelines/new`);
  await page.getByLabel("Name", { exact: true }).fill("nightly-bad");
  await page.getByLabel("On a schedule").check();
  await page.getByLabel("Cron schedule (UTC)").fill("every night");
  await page.getByRole("button", { name: "Create pipeline" }).click();
  await expect(page.getByText(/"every night" is not a cron expression: it has 2 fields, a schedule needs 5/)).toBeVisible();
  await page.getByLabel("Cron schedule (UTC)").fill("0 3 * * *");
  await page.getByLabel("GPU count").fill("64");
  await page.getByRole("button", { name: "Create pipeline" }).click();
  await expect(page.getByText(/No registered cluster has 64 × /).first()).toBeVisible();
  await screenshot(page, testInfo, "pipeline-form-refused");
  const list = await (await page.request.get(`/api/v1/projects/${project}/pipelines`)).json();
  expect(list.pipelines.map((p: { name: string }) => p.name)).not.toContain("nightly-bad");
});
