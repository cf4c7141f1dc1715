import { expect, test } from "@playwright/test";
import { personas, screenshot, signIn, type PersonaKey } from "./fixtures/personas";

test.describe("each persona signs in and sees its navigation", () => {
  for (const key of Object.keys(personas) as PersonaKey[]) {
    const p = personas[key];
    test(`${key} (${p.email})`, async ({ page }, testInfo) => {
      await signIn(page, p.email);
      await expect(page).toHaveURL(new RegExp(`${p.home}$`));

      const main = page.getByRole("navigation", { name: "Main" });
      await expect(main.getByRole("link", { name: "Projects" })).toBeVisible();
      if (key === "admin") await expect(main.getByRole("link", { name: "Users" })).toBeVisible();
      else await expect(main.getByRole("link", { name: "Users" })).toHaveCount(0);
      // The sidebar lists the user's projects with their persona in each.
      await expect(main.getByRole("link", { name: /Churn prediction/ })).toContainText(p.badge);
      await expect(page.getByRole("link", { name: `Account settings for ${p.name}` })).toBeVisible();

      await page.goto("/projects/churn-prediction");
      await expect(page.getByRole("heading", { level: 1, name: "Churn prediction" })).toBeVisible();
      await expect(page.getByText(`You: ${p.badge}`)).toBeVisible();
      // The feed shows the latest entries (other journeys add their own); the first one is there too.
      await expect(page.getByRole("list", { name: "Project activity" }).getByRole("listitem").first()).toBeVisible();
      const summaries: string[] = [];
      for (let cursor: number | null = null, i = 0; i < 50; i++) {
        const res = await page.request.get(`/api/v1/projects/churn-prediction/activity?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
        const body = (await res.json()) as { items: { summary: string }[]; nextCursor: number | null };
        summaries.push(...body.items.map((e) => e.summary));
        if (!(cursor = body.nextCursor)) break;
      }
      expect(summaries.some((s) => s.includes('Demo project "Churn prediction" created'))).toBe(true);

      await page.goto("/projects");
      const create = page.getByRole("link", { name: "New project" });
      if (key === "admin") await expect(create).toBeVisible();
      else await expect(create).toHaveCount(0);

      await page.goto("/projects/churn-prediction/members");
      const personaSelect = page.getByLabel("Persona of ds@ferry.dev");
      if (key === "admin") await expect(personaSelect).toBeVisible();
      else {
        await expect(personaSelect).toHaveCount(0);
        await expect(page.getByText("Only admins change members and personas.")).toBeVisible();
      }

      if (key === "admin") {
        await page.goto("/projects");
        await screenshot(page, testInfo, "projects-list-admin");
        await page.goto("/projects/churn-prediction");
        await screenshot(page, testInfo, "project-overview-admin");
      }
      if (key === "manager") {
        await page.goto("/projects/churn-prediction");
        await screenshot(page, testInfo, "project-overview-manager");
        await page.goto("/admin/users");
        await expect(page.getByText("You don't have access to this page")).toBeVisible();
        await expect(page.getByText("You are not allowed to create users, set org roles, deactivate users.")).toBeVisible();
      }

      await page.getByRole("button", { name: "Sign out" }).click();
      await expect(page).toHaveURL(/\/sign-in$/);
    });
  }
});

test("on a phone the navigation is a drawer behind a menu button", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, personas.manager.email);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav).toBeHidden();
  await page.getByRole("button", { name: "Open menu" }).click();
  await expect(nav).toBeVisible();
  await screenshot(page, testInfo, "mobile-menu-manager");
  await page.keyboard.press("Escape");
  await expect(nav).toBeHidden();
  await page.getByRole("button", { name: "Open menu" }).click();
  await nav.getByRole("link", { name: "Projects", exact: true }).click();
  await expect(page).toHaveURL(/\/projects$/);
  await expect(nav).toBeHidden();
  await screenshot(page, testInfo, "mobile-projects-manager");
});
