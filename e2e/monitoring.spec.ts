import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "./fixtures/personas";

// The manager's journey through production monitoring, on the demo seed's three days of traffic for
// churn-classifier (healthy, then drifting in the last day: a drift alert is open).

test("the manager sees the demo model in warning because of drift, opens it, and sees the heatmap and the metric trends against training", async ({ page }, testInfo) => {
  await signIn(page, "manager@ferry.dev");
  await expect(page).toHaveURL(/\/health$/);
  await expect(page.getByRole("heading", { level: 1, name: "Model health" })).toBeVisible();
  const card = page.getByRole("listitem", { name: /^churn-classifier/ });
  await expect(card).toContainText(/Warning|Critical/);
  await expect(card.getByRole("list", { name: "Why" })).toContainText(/drift/i);
  // The sidebar shows the open alert beside the project.
  await expect(page.getByRole("navigation", { name: "Main" }).getByLabel(/open monitoring alert/)).toBeVisible();
  await screenshot(page, testInfo, "health-overview");

  await card.getByRole("link", { name: /Monitoring of churn-classifier/ }).click();
  await expect(page).toHaveURL(/\/models\/churn-classifier\/monitoring/);
  await expect(page.getByRole("heading", { level: 2, name: "Monitoring" })).toBeVisible();
  const heatmap = page.getByRole("region", { name: "Drift heatmap" });
  await expect(heatmap.getByRole("grid")).toBeVisible();
  await expect(heatmap.getByRole("rowheader", { name: "monthly_fee" })).toBeVisible();
  // Some windows drifted (the last day), some did not.
  expect(await heatmap.getByRole("gridcell", { name: /drifted/i }).count()).toBeGreaterThan(0);
  const performance = page.getByRole("region", { name: "Performance" });
  await expect(performance).toContainText("training");
  await expect(performance.getByRole("img").first()).toBeVisible();
  await screenshot(page, testInfo, "monitoring");

  // The CSV export answers with the model and its health.
  await page.goto("/health");
  const csv = await page.request.get("/api/v1/health/export");
  expect(csv.headers()["content-type"]).toContain("text/csv");
  expect(await csv.text()).toMatch(/churn-classifier.*(warning|critical)/i);
});
