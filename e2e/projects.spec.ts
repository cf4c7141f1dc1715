import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "./fixtures/personas";

test("an admin creates a project (after fixing bad input) and manages its members", async ({ page }, testInfo) => {
  const suffix = Date.now().toString(36);
  const name = `Demand forecast ${suffix}`;
  const slug = `demand-forecast-${suffix}`;
  await signIn(page, "admin@ferry.dev");
  await page.goto("/projects");
  await page.getByRole("link", { name: "New project" }).click();
  await expect(page.getByRole("heading", { name: "New project" })).toBeVisible();

  // Empty name.
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByText("Enter a project name.")).toBeVisible();
  await expect(page.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");

  // Over-long name.
  await page.getByLabel("Name").fill("n".repeat(81));
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByText("Keep the name to 80 characters or fewer.")).toBeVisible();

  // Duplicate slug.
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Slug").fill("churn-prediction");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByText('The slug "churn-prediction" is already used by another project. Choose another one.')).toBeVisible();
  await expect(page.getByLabel("Slug")).toHaveAttribute("aria-describedby", "slug-error");

  // The slug follows the name until edited.
  await page.getByLabel("Slug").fill(slug);
  await page.getByLabel("Description").fill("Weekly demand per store and product.");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${slug}$`));
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByRole("list", { name: "Project activity" })).toContainText(`admin@ferry.dev created project "${name}" (${slug})`);
  await expect(page.getByText("Admin (not a member)")).toBeVisible();

  // Members: an unknown e-mail is explained, then a real member is added, re-personaed, removed.
  await page.getByRole("link", { name: "Members" }).first().click();
  await expect(page).toHaveURL(new RegExp(`/projects/${slug}/members$`));
  await expect(page.getByText("No members yet.")).toBeVisible();
  await page.getByLabel("E-mail").fill("nobody@ferry.dev");
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByText("No Ferry user has the e-mail nobody@ferry.dev.")).toBeVisible();

  await page.getByLabel("E-mail").fill("ds@ferry.dev");
  await page.getByLabel("Persona", { exact: true }).selectOption("data_scientist");
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByText("ds@ferry.dev added.")).toBeVisible();
  const row = page.getByTestId("member-ds@ferry.dev");
  await expect(row.getByLabel("Persona of ds@ferry.dev")).toHaveValue("data_scientist");

  await row.getByLabel("Persona of ds@ferry.dev").selectOption("ml_engineer");
  await row.getByRole("button", { name: "Save persona of ds@ferry.dev" }).click();
  await expect(row.getByRole("button", { name: "Save persona of ds@ferry.dev" })).toHaveCount(0);
  await expect(row.getByLabel("Persona of ds@ferry.dev")).toHaveValue("ml_engineer");
  await screenshot(page, testInfo, "project-members-admin");

  await page.getByRole("link", { name: "Overview" }).click();
  const feed = page.getByRole("list", { name: "Project activity" });
  await expect(feed).toContainText("admin@ferry.dev added ds@ferry.dev as data scientist");
  await expect(feed).toContainText("admin@ferry.dev changed ds@ferry.dev from data scientist to ml engineer");

  await page.getByRole("link", { name: "Members" }).first().click();
  await row.getByRole("button", { name: "Remove ds@ferry.dev" }).click();
  await row.getByRole("button", { name: "Remove", exact: true }).click();
  await expect(page.getByTestId("member-ds@ferry.dev")).toHaveCount(0);
  await expect(page.getByText("No members yet.")).toBeVisible();
});

test("a data scientist sees only their own projects; other projects are not found", async ({ page }) => {
  await signIn(page, "admin@ferry.dev");
  const slug = `secret-${Date.now().toString(36)}`;
  await page.goto("/projects/new");
  await page.getByLabel("Name").fill("Secret project");
  await page.getByLabel("Slug").fill(slug);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${slug}$`));
  await page.getByRole("button", { name: "Sign out" }).click();

  await signIn(page, "ds@ferry.dev");
  await page.goto("/projects");
  await expect(page.getByRole("list", { name: "Projects" })).not.toContainText("Secret project");
  const res = await page.goto(`/projects/${slug}`);
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  const api = await page.request.get(`/api/v1/projects/${slug}/activity`);
  // The API answers 403 alike for projects one cannot see and for projects that do not exist.
  expect(api.status()).toBe(403);
  expect(await api.json()).toEqual({ error: "You do not have access to this project, or it does not exist." });
  const none = await page.request.get(`/api/v1/projects/no-such-${slug}/activity`);
  expect([none.status(), await none.json()]).toEqual([403, await api.json()]);
});
