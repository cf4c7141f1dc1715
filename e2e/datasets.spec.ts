import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "./fixtures/personas";

const FIXTURE = path.join("lib", "datasets", "fixtures", "customers.csv");
const project = "/projects/churn-prediction";

test("a data scientist creates a dataset, adds a rule, uploads a CSV and sees its profile and validation", async ({ page }, testInfo) => {
  const name = `customers-${Date.now().toString(36)}`;
  await signIn(page, "ds@ferry.dev");
  await page.goto(project);
  await page.getByRole("link", { name: "Datasets" }).click();
  await expect(page.getByRole("link", { name: "subscribers" })).toBeVisible();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Description (optional)").fill("Customers exported from the CRM");
  await page.getByRole("button", { name: "Create dataset" }).click();
  await expect(page).toHaveURL(new RegExp(`/datasets/${name}$`));
  await expect(page.getByText("No versions yet. Upload a CSV above.")).toBeVisible();
  await expect(page.getByRole("heading", { name: "New version" })).toBeVisible();

  // A rule: ages within 0–120 (the fixture has 3 outside).
  await page.getByLabel("Rule", { exact: true }).selectOption("numeric_range");
  await page.getByLabel("Column").fill("age");
  await page.getByLabel("Minimum").fill("0");
  await page.getByLabel("Maximum").fill("120");
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByRole("list", { name: "Validation rules" })).toContainText("age between 0 and 120");
  await screenshot(page, testInfo, "dataset-page");

  // Keyboard only: from the source toggle, Tab reaches the file chooser, Enter opens it.
  await page.getByRole("button", { name: "Register external data" }).focus();
  await page.keyboard.press("Tab");
  await expect(page.locator("#version-file")).toBeFocused();
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.keyboard.press("Enter")]);
  await chooser.setFiles(FIXTURE);
  await expect(page.getByText("customers.csv")).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Upload version" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/datasets/${name}/versions/1$`), { timeout: 30_000 });
  await expect(page.getByRole("heading", { name: /Version 1/ })).toBeVisible();
  await expect(page.getByText("600", { exact: true }).first()).toBeVisible();

  // Validation: the range rule failed with the 3 offending ages, with example rows.
  const result = page.getByTestId("rule-result-numeric_range");
  await expect(result).toContainText("Fail");
  await expect(result).toContainText("3 offending");
  await result.getByText(/Example rows/).click();
  await expect(result.getByRole("cell", { name: "212", exact: true }).first()).toBeVisible();

  // Profile: histograms render as charts with axes, not placeholders.
  const age = page.getByTestId("column-age");
  await expect(age).toContainText("numeric");
  await expect(age.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await expect(age.locator(".recharts-xAxis")).toBeVisible();
  // Twelve columns: a filter narrows the cards by name.
  await page.getByLabel("Filter columns").fill("bal");
  await expect(page.locator("[data-testid^=column-]")).toHaveCount(1);
  await expect(page.getByTestId("column-balance")).toBeVisible();
  await page.getByLabel("Filter columns").fill("");
  await expect(page.getByTestId("column-country").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await screenshot(page, testInfo, "dataset-version");

  // The same file again is refused, pointing at version 1.
  await page.getByRole("link", { name }).click();
  await page.locator("#version-file").setInputFiles(FIXTURE);
  await page.getByRole("button", { name: "Upload version" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "identical to version 1" })).toBeVisible();
  await page.getByRole("link", { name: "Open the existing version" }).click();
  await expect(page).toHaveURL(new RegExp(`/datasets/${name}/versions/1$`));

  // Data that lives elsewhere: a URI and its digest; a bad URI is explained next to its field.
  await page.getByRole("link", { name }).click();
  await page.getByRole("button", { name: "Register external data" }).click();
  await page.getByLabel("URI").fill("file:///etc/passwd");
  await page.getByLabel("sha256").fill("ab".repeat(32));
  await page.getByRole("button", { name: "Register version" }).click();
  await expect(page.locator("#ref-uri-error")).toContainText("Use one of");
  await page.getByLabel("URI").fill("s3://lake/customers/2026-11.csv");
  await page.getByLabel("Row count (optional)").fill("120,000");
  await page.getByRole("button", { name: "Register version" }).click();
  await expect(page).toHaveURL(new RegExp(`/datasets/${name}/versions/2$`));
  await expect(page.getByText("s3://lake/customers/2026-11.csv")).toBeVisible();
  await expect(page.getByText("120,000", { exact: true }).first()).toBeVisible();
  await expect(page.getByText(/references external data/)).toBeVisible();
  // The range rule cannot be checked without the data.
  await expect(page.getByTestId("rule-result-numeric_range")).toContainText("Not checked");

  // Rules can be removed (with a confirmation step).
  await page.getByRole("link", { name }).click();
  await page.getByRole("button", { name: "Remove rule: age between 0 and 120" }).click();
  await page.getByRole("button", { name: "Remove", exact: true }).click();
  await expect(page.getByRole("list", { name: "Validation rules" })).toContainText("No rules yet.");
});

test("an upload in progress shows its progress and can be cancelled; nothing is saved", async ({ page }) => {
  await signIn(page, "ds@ferry.dev");
  await page.goto(`${project}/datasets/subscribers`);
  const before = await page.request.get(`/api/v1${project}/datasets/subscribers/versions`).then((r) => r.json());
  // Slow the browser's uplink so the upload lasts long enough to cancel (Chromium's own throttling).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 200 * 1024 });
  const big = Buffer.from("a,b,c\n" + "1,2,3\n".repeat(1_000_000));
  await page.locator("#version-file").setInputFiles({ name: "big.csv", mimeType: "text/csv", buffer: big });
  await page.getByRole("button", { name: "Upload version" }).click();
  const bar = page.getByRole("progressbar", { name: "Upload progress" });
  await expect(bar).toBeVisible();
  await expect(page.getByText(/Uploading… \d+%/)).toBeVisible();
  await page.getByRole("button", { name: "Cancel upload" }).click();
  await expect(page.getByText("Upload cancelled. Nothing was saved.")).toBeVisible();
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const after = await page.request.get(`/api/v1${project}/datasets/subscribers/versions`).then((r) => r.json());
  expect(after.items.length).toBe(before.items.length);
});

test("the manager opens a version but has no upload control; a direct upload with the manager's session is refused", async ({ page }, testInfo) => {
  await signIn(page, "manager@ferry.dev");
  await page.goto(`${project}/datasets/subscribers`);
  await expect(page.getByRole("link", { name: "v2" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "New version" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Upload a CSV" })).toHaveCount(0);
  await expect(page.locator("input[type=file]")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Add rule" })).toHaveCount(0);
  await page.getByRole("link", { name: "v2" }).click();
  await expect(page.getByRole("heading", { name: /Version 2/ })).toBeVisible();
  await expect(page.getByText("Changes since v1")).toBeVisible();
  await expect(page.getByRole("table", { name: "Column changes" })).toContainText("discount_pct");
  await expect(page.getByTestId("column-monthly_fee").locator(".recharts-bar-rectangle").first()).toBeVisible();
  await screenshot(page, testInfo, "dataset-version-manager");

  const res = await page.request.post(`/api/v1${project}/datasets/subscribers/versions`, {
    multipart: { file: { name: "x.csv", mimeType: "text/csv", buffer: fs.readFileSync(FIXTURE) } },
  });
  expect(res.status()).toBe(403);
  expect((await res.json()).error).toMatch(/As manager in this project you are not allowed to create datasets/);
  const list = await page.request.get(`/api/v1${project}/datasets/subscribers/versions`).then((r) => r.json());
  expect(list.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
});
