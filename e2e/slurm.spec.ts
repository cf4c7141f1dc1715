import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { screenshot, signIn } from "./fixtures/personas";

// A Slurm cluster connected from the browser: ops registers it and sets its partition, the real
// agent (`npm run agent -- --executor slurm`) submits to the single-node Slurm cluster that
// `.ci/slurm.sh` runs on this machine (four H100 GRES), and the data scientist watches a run wait in
// Slurm's queue with Slurm's reason, and cancels it. `npm test` exports SLURM_CONF; without it the
// journey is skipped, except in CI.

const haveSlurm = Boolean(process.env.SLURM_CONF);
test.skip(!haveSlurm && !process.env.CI, "no Slurm cluster here (SLURM_CONF is unset)");
test.describe.configure({ timeout: 240_000 });

let agent: ChildProcess | null = null;
let agentOutput = "";
const runIds: string[] = [];
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-e2e-slurm-agent-"));

test.afterAll(async () => {
  agent?.kill("SIGKILL");
  // Whatever a failed run left in Slurm's queue.
  for (const id of runIds) {
    try {
      execFileSync("scancel", ["--name", `ferry-${id}`]);
    } catch {
      // gone already
    }
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
});

async function launch(page: Page, name: string, command: string, gpus: number): Promise<string> {
  await page.goto("/projects/churn-prediction/runs/new");
  await page.getByLabel("Run name").fill(name);
  await page.getByLabel("Command").fill(command);
  await page.getByLabel("GPU count").fill(String(gpus));
  await page.getByLabel("GPU type").selectOption("h100");
  await page.getByLabel("Cluster").selectOption("slurm-e2e");
  await page.getByRole("button", { name: "Launch run" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f]{32}$/);
  const id = page.url().split("/").pop()!;
  runIds.push(id);
  return id;
}

async function cancel(page: Page) {
  await page.getByRole("button", { name: "Cancel run" }).click();
  await page.getByRole("button", { name: "Yes, cancel run" }).click();
  await expect(page.getByText("Cancelled", { exact: true }).first()).toBeVisible({ timeout: 60_000 });
}

test("ops connects a Slurm cluster; a run asking for more GPUs than are free waits in Slurm's queue with Slurm's reason on its page; cancelled from Ferry", async ({ page, browser }, testInfo) => {
  expect(process.env.SLURM_CONF, "CI runs this journey against a real Slurm cluster (SLURM_CONF)").toBeTruthy();
  await signIn(page, "ops@ferry.dev");
  await page.goto("/clusters");
  await page.getByLabel("Name", { exact: true }).fill("slurm-e2e");
  await page.getByLabel("Executor").selectOption("slurm");
  await page.getByRole("button", { name: "Register cluster" }).click();
  const token = await page.getByRole("textbox", { name: "Agent token" }).inputValue();
  await expect(page.getByText(/--executor slurm/).first()).toBeVisible();
  await page.getByRole("button", { name: "Done, I have stored it" }).click();

  agent = spawn(process.execPath, ["--import", "tsx", "lib/agent/cli.ts", "--server", testInfo.project.use.baseURL!, "--executor", "slurm", "--state-dir", stateDir], {
    env: { ...process.env, FERRY_AGENT_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  agent.stdout!.on("data", (d) => (agentOutput += d));
  agent.stderr!.on("data", (d) => (agentOutput += d));

  // Online, with the GPUs Slurm has (sinfo: four H100 GRES).
  await page.goto("/clusters/slurm-e2e");
  await expect(async () => {
    await page.reload();
    await expect(page.getByText("Online").first()).toBeVisible({ timeout: 1_000 });
  }, `agent output:\n${agentOutput}`).toPass({ timeout: 60_000 });
  await expect(page.getByText("0 of 4 allocated in Slurm")).toBeVisible();

  // Settings: a time limit Slurm would not understand is refused; partition and limit saved.
  await page.getByLabel("Time limit").fill("one hour");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText(/Time limit in Slurm's format/).first()).toBeVisible();
  await page.getByLabel("Partition").fill("gpu");
  await page.getByLabel("Time limit").fill("01:00:00");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();

  // The data scientist holds two of the four GPUs…
  const ds = await browser.newContext();
  const dsPage = await ds.newPage();
  await signIn(dsPage, "ds@ferry.dev");
  await launch(dsPage, "slurm-holder", "echo holding two GPUs; sleep 600", 2);
  const holderUrl = dsPage.url();
  const launchCard = dsPage.getByRole("region", { name: "Launch" });
  await expect(dsPage.getByText("Running", { exact: true }).first()).toBeVisible({ timeout: 60_000 });
  await expect(launchCard).toContainText("Slurm job");
  await expect(dsPage.getByRole("region", { name: "Log output" })).toContainText("holding two GPUs", { timeout: 30_000 });

  // …so a run asking for three waits in Slurm's queue, and its page says why, live.
  await launch(dsPage, "slurm-three-gpus", "echo never printed", 3);
  await expect(launchCard).toContainText("Waiting in Slurm's queue", { timeout: 60_000 });
  await expect(launchCard).toContainText("Resources");
  await expect(dsPage.getByText("Scheduled", { exact: true }).first()).toBeVisible();
  await screenshot(dsPage, testInfo, "slurm-run-waiting");

  // Ops sees Slurm's allocation on the cluster page.
  await page.reload();
  await expect(page.getByText("2 of 4 allocated in Slurm")).toBeVisible({ timeout: 30_000 });
  await screenshot(page, testInfo, "slurm-cluster-page");

  // Cancelled from Ferry: the waiting run, then the holder.
  await cancel(dsPage);
  await expect(dsPage.getByRole("region", { name: "Log output" })).not.toContainText("never printed");
  await dsPage.goto(holderUrl);
  await cancel(dsPage);
  const api = await dsPage.request.get(`/api/v1/projects/churn-prediction/runs/${holderUrl.split("/").pop()}`);
  const body = (await api.json()) as { status: string; scheduler: { jobId: string; state: string } | null };
  expect(body.status).toBe("cancelled");
  expect(body.scheduler).toMatchObject({ jobId: expect.stringMatching(/^\d+$/), state: "CANCELLED" });
  await ds.close();
});
