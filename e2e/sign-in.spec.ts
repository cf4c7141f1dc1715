import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "./fixtures/personas";

test("the sign-in page explains bad input next to each field", async ({ page }, testInfo) => {
  await page.goto("/sign-in");
  await screenshot(page, testInfo, "sign-in");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Enter your e-mail address.")).toBeVisible();
  await expect(page.getByText("Enter your password.")).toBeVisible();

  await page.getByLabel("E-mail").fill("admin@ferry.dev");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  const password = page.getByLabel("Password");
  await expect(page.getByText("Wrong e-mail or password.")).toBeVisible();
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(password).toHaveAttribute("aria-describedby", "password-error");
  await expect(page.getByLabel("E-mail")).toHaveValue("admin@ferry.dev");
  await expect(page).toHaveURL(/\/sign-in$/);
});

test("repeated wrong passwords are rate-limited, even when the right one follows", async ({ page }) => {
  // A fresh address so the demo users stay usable; unknown and known e-mails are limited alike.
  const email = `limit-${Date.now()}@ferry.dev`;
  await page.goto("/sign-in");
  for (let i = 0; i < 5; i++) {
    await page.getByLabel("E-mail").fill(email);
    await page.getByLabel("Password").fill(`guess-${i}`);
    // Wait for this attempt's answer: the previous attempt's message is still on screen.
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && Boolean(r.request().headers()["next-action"])),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
    await expect(page.getByText("Wrong e-mail or password.")).toBeVisible();
    await expect(page.getByRole("button", { name: "Sign in" })).toBeEnabled();
  }
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill("guess-5");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Too many failed sign-in attempts" })).toBeVisible();
});

test("signing out ends the session on the server: a copy of the old cookie no longer works", async ({ page, browser }) => {
  await signIn(page, "mle@ferry.dev");
  const cookies = await page.context().cookies();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);

  const replay = await browser.newContext();
  await replay.addCookies(cookies);
  const other = await replay.newPage();
  await other.goto("/projects");
  await expect(other).toHaveURL(/\/sign-in$/);
  const api = await replay.request.get("/api/v1/projects/churn-prediction/activity");
  expect(api.status()).toBe(401);
  await replay.close();
});

test("signed-out visitors are sent to sign-in and the API answers 401", async ({ page, request }) => {
  await page.goto("/projects/churn-prediction");
  await expect(page).toHaveURL(/\/sign-in$/);
  const res = await request.get("/api/v1/projects/churn-prediction/activity");
  expect(res.status()).toBe(401);
  expect(await res.json()).toEqual({ error: "Sign in to continue." });
  const health = await request.get("/api/health");
  expect(await health.json()).toEqual({ status: "ok", database: "pglite" });
});
