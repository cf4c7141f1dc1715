import { expect, test, type Request } from "@playwright/test";
import { screenshot, signIn } from "./fixtures/personas";

// Launching training runs from the browser on the local agent that `next start` runs beside itself
// (cluster "local", CPU only here: this machine has no GPU, so the agent reports none).

test.describe.configure({ timeout: 180_000 });

test("the data scientist launches the example trainer and watches it run to the end; cancels a second run", async ({ page }, testInfo) => {
  await signIn(page, "ds@ferry.dev");
  await page.goto("/projects/churn-prediction/runs");
  await page.getByRole("link", { name: "Launch run" }).click();
  await expect(page).toHaveURL(/\/runs\/new$/);
  // Sensible defaults: a dataset version that passed validation (the latest of the most recently
  // changed dataset: other journeys add datasets), and the example trainer.
  await expect(page.getByLabel("Dataset version")).not.toHaveValue("");
  await expect(page.getByLabel("Dataset version")).not.toHaveValue("subscribers@2"); // failed validation
  await expect(page.getByLabel("Command")).toHaveValue(/ferry-example-train/);
  await page.getByLabel("Dataset version").selectOption("subscribers@1");
  // The defaults came from another dataset: keep only the example trainer's own parameters.
  const names = page.locator('input[name$=".key"]');
  for (let i = (await names.count()) - 1; i >= 0; i--) {
    if (!["epochs", "lr", "class_weight"].includes(await names.nth(i).inputValue())) await page.getByRole("button", { name: `Remove parameter ${i + 1}`, exact: true }).click();
  }
  await page.getByLabel("Run name").fill("e2e-launched");
  await page.getByLabel("Cluster").selectOption("local");
  // Slow the trainer down a little (300 ms an epoch) so that "Running" is there to be seen.
  await page
    .getByLabel("Command")
    .fill('ferry-example-train --data "$FERRY_DATASET_PATH" --target churned --epochs {epochs} --learning-rate {lr} --class-weight {class_weight} --epoch-delay-ms 300');
  await screenshot(page, testInfo, "launch-form");
  await page.getByRole("button", { name: "Launch run" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f]{32}$/);
  const runUrl = page.url();

  // queued → running → succeeded, seen on the page as it happens.
  const card = page.getByRole("region", { name: "Launch" });
  await expect(card).toBeVisible();
  await expect(page.getByText(/^(Queued|Scheduled|Running)$/).first()).toBeVisible();
  await expect(page.getByText("Running", { exact: true }).first()).toBeVisible({ timeout: 60_000 });
  const log = page.getByRole("region", { name: "Log output" });
  await expect(log).toContainText(/epoch|accuracy|loss/i, { timeout: 60_000 });
  await screenshot(page, testInfo, "launch-running");
  await expect(page.getByText("Succeeded", { exact: true }).first()).toBeVisible({ timeout: 120_000 });
  await expect(card).toContainText("local");
  await expect(card).toContainText("Exit code");
  // Each transition left its time.
  const times = await page.request.get(`/api/v1/projects/churn-prediction/runs/${runUrl.split("/").pop()}`);
  const stamps = (await times.json()) as { queuedAt: string; startedAt: string; finishedAt: string };
  expect(Date.parse(stamps.queuedAt)).toBeLessThanOrEqual(Date.parse(stamps.startedAt));
  expect(Date.parse(stamps.startedAt)).toBeLessThan(Date.parse(stamps.finishedAt));
  // The API says the same, with the metrics the job's own MLflow client logged.
  const runId = runUrl.split("/").pop()!;
  const api = await page.request.get(`/api/v1/projects/churn-prediction/runs/${runId}`);
  const body = (await api.json()) as { status: string; cluster: string; exitCode: number; metrics: Record<string, number> };
  expect(body).toMatchObject({ status: "succeeded", cluster: "local", exitCode: 0 });
  // Charts with those real values.
  for (const key of ["accuracy", "precision", "recall"]) {
    expect(typeof body.metrics[key]).toBe("number");
    const chart = page.getByRole("region", { name: key, exact: true });
    await expect(chart.locator(".recharts-line-curve")).toHaveCount(1);
    await expect(chart.getByText(String(Number(body.metrics[key]!.toPrecision(4))), { exact: false }).first()).toBeVisible();
  }
  await screenshot(page, testInfo, "launch-succeeded");

  // A second run, cancelled while it runs.
  await page.goto("/projects/churn-prediction/runs/new");
  await page.getByLabel("Run name").fill("e2e-cancelled");
  await page.getByLabel("Code").selectOption({ label: "None: the command only" });
  await page.getByLabel("Dataset version").selectOption("");
  await page.getByLabel("Command").fill("echo started; sleep 300");
  for (let i = (await page.getByRole("button", { name: /^Remove parameter/ }).count()); i > 0; i--) {
    await page.getByRole("button", { name: /^Remove parameter/ }).first().click();
  }
  await page.getByRole("button", { name: "Launch run" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f]{32}$/);
  await expect(page.getByRole("region", { name: "Log output" })).toContainText("started", { timeout: 60_000 });
  await page.getByRole("button", { name: "Cancel run" }).click();
  await page.getByRole("button", { name: "Yes, cancel run" }).click();
  await expect(page.getByText("Cancelled", { exact: true }).first()).toBeVisible({ timeout: 60_000 });
  await screenshot(page, testInfo, "launch-cancelled");

  // Re-run opens the form pre-filled from the first run.
  await page.goto(runUrl);
  await page.getByRole("link", { name: "Re-run" }).click();
  await expect(page.getByLabel("Command")).toHaveValue(/ferry-example-train/);
  await expect(page.getByLabel("Dataset version")).toHaveValue("subscribers@1");
});

test("bad launches are refused with clear messages and start nothing", async ({ page }) => {
  await signIn(page, "ds@ferry.dev");
  await page.goto("/projects/churn-prediction/runs/new");
  await page.getByLabel("Command").fill("");
  await page.getByLabel("GPU count").fill("8");
  await page.getByRole("button", { name: "Launch run" }).click();
  await expect(page.getByText("Enter the command to run.")).toBeVisible();
  await page.getByLabel("Command").fill("python train.py");
  await page.getByRole("button", { name: "Launch run" }).click();
  await expect(page.getByText(/No registered cluster has 8 GPUs of one type|No registered cluster has GPUs/)).toBeVisible();
  await expect(page).toHaveURL(/\/runs\/new/);
});

test("ops and the manager cannot launch: no control, and a replayed launch action is refused", async ({ browser }) => {
  const ds = await browser.newContext();
  const dsPage = await ds.newPage();
  await signIn(dsPage, "ds@ferry.dev");
  await dsPage.goto("/projects/churn-prediction/runs/new");
  const captured = new Promise<Request>((resolve) => dsPage.on("request", (r) => r.method() === "POST" && r.headers()["next-action"] && resolve(r)));
  // An invalid submission (8 GPUs, which no cluster has): the data scientist launches nothing either.
  await dsPage.getByLabel("Run name").fill("replayed-launch");
  await dsPage.getByLabel("Command").fill("echo replayed");
  await dsPage.getByLabel("GPU count").fill("8");
  await dsPage.getByRole("button", { name: "Launch run" }).click();
  const request = await captured;
  await expect(dsPage.getByText(/No registered cluster has/).first()).toBeVisible();
  const body = request.postDataBuffer()!.toString("latin1");
  const valid = body.replace(/(name="[^"]*gpuCount"\r\n\r\n)8\r\n/, "$10\r\n");
  expect(valid).not.toBe(body);
  const h = request.headers();
  const headers: Record<string, string> = { "next-action": h["next-action"]!, "content-type": h["content-type"]!, accept: h["accept"] ?? "text/x-component", origin: h["origin"] ?? new URL(request.url()).origin };

  for (const email of ["ops@ferry.dev", "manager@ferry.dev"]) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await signIn(page, email);
    await page.goto("/projects/churn-prediction/runs");
    await expect(page.getByRole("heading", { name: "Runs" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Launch run" })).toHaveCount(0);
    await page.goto("/projects/churn-prediction/runs/new");
    await expect(page.getByText("You don't have access to this page")).toBeVisible();
    const replayed = await ctx.request.post(request.url(), { headers, data: Buffer.from(valid, "latin1"), maxRedirects: 0 });
    expect(await replayed.text()).toMatch(/not allowed to launch, cancel and re-run training runs/);
    const api = await ctx.request.post("/api/v1/projects/churn-prediction/runs", { data: { command: "echo via api" } });
    expect(api.status()).toBe(403);
    await ctx.close();
  }
  // Nothing named replayed-launch exists.
  await dsPage.goto("/projects/churn-prediction/runs");
  await expect(dsPage.getByText("replayed-launch")).toHaveCount(0);
  // Control: the same replay with the data scientist's session launches.
  const control = await ds.request.post(request.url(), { headers, data: Buffer.from(valid, "latin1"), maxRedirects: 0 });
  expect([200, 303]).toContain(control.status());
  await dsPage.goto("/projects/churn-prediction/runs");
  await expect(dsPage.getByText("replayed-launch").first()).toBeVisible();
  await ds.close();
});

test("ops registers a cluster, its agent connects with the token shown once, and a rotated token is refused", async ({ page }, testInfo) => {
  await signIn(page, "ops@ferry.dev");
  await page.goto("/clusters");
  // The embedded local agent is connected.
  const local = page.getByRole("row", { name: /local/ });
  await expect(local).toContainText("Online");
  const name = `gpu-${Date.now().toString(36)}`;
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Executor").selectOption("slurm");
  await page.getByLabel("Cost per GPU-hour (optional)").fill("2.5");
  await page.getByRole("button", { name: "Register cluster" }).click();
  const token = await page.getByRole("textbox", { name: "Agent token" }).inputValue();
  expect(token).toMatch(/^ferryagent_/);
  await expect(page.getByText(/npm run agent -- --server/).first()).toBeVisible();
  await screenshot(page, testInfo, "cluster-registered");

  // An agent says hello with its inventory (here through the protocol directly: no Slurm on this machine).
  const hello = (t: string) =>
    page.request.post("/api/agent/v1/hello", {
      headers: { authorization: `Bearer ${t}` },
      data: { protocol: 1, agentVersion: "e2e", hostname: "login01", executor: "slurm", inventory: { gpus: [{ type: "h100", count: 8, memoryMb: 81920 }], cpus: 64 }, jobs: [] },
    });
  expect((await hello(token)).status()).toBe(200);
  await page.getByRole("button", { name: "Done, I have stored it" }).click();
  await page.goto(`/clusters/${name}`);
  await expect(page.getByText("H100").first()).toBeVisible();
  await expect(page.getByText("Online").first()).toBeVisible();
  await screenshot(page, testInfo, "cluster-page");

  await page.getByRole("button", { name: "Rotate token" }).click();
  await page.getByRole("button", { name: "Yes, rotate" }).click();
  const rotated = await page.getByRole("textbox", { name: "Agent token" }).inputValue();
  expect(rotated).not.toBe(token);
  const refused = await hello(token);
  expect(refused.status()).toBe(401);
  expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/revoked or rotated/);
  expect((await hello(rotated)).status()).toBe(200);
});
