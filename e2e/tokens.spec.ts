import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "./fixtures/personas";

test("a user creates an API token on the account page, sees it once, uses it, and revokes it", async ({ browser, request }, testInfo) => {
  const name = `Nightly export ${Date.now().toString(36)}`;
  const ctx = await browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  const page = await ctx.newPage();
  await signIn(page, "ops@ferry.dev");
  await page.goto("/account");
  const card = page.locator("section").filter({ has: page.getByRole("heading", { name: "API tokens" }) });
  await expect(card.getByText("No API tokens yet")).toBeVisible();
  await screenshot(page, testInfo, "account-api-tokens-empty");

  // Bad input first.
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByText("Enter a name for the token.")).toBeVisible();

  await page.getByLabel("Token name").fill(name);
  await page.getByRole("button", { name: "Create token" }).click();
  const shown = page.getByLabel("New API token");
  await expect(shown).toBeFocused();
  const token = await shown.inputValue();
  expect(token).toMatch(/^ferry_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByText("will not show it again")).toBeVisible();
  await page.getByRole("button", { name: "Copy" }).click();
  await expect(page.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
  const row = page.getByTestId(`api-token-${name}`);
  await expect(row).toContainText(token.slice(0, 12));
  await expect(row).toContainText("Never");
  await expect(row).toContainText("Active");
  await screenshot(page, testInfo, "account-api-tokens");

  // The same name again is refused with a clear message.
  await page.getByLabel("Token name").fill(name.toUpperCase());
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByText(`You already have an active token named "${name.toUpperCase()}".`, { exact: false })).toBeVisible();

  // Shown once: after a reload it is nowhere on the page.
  await page.reload();
  await expect(page.getByLabel("New API token")).toHaveCount(0);
  expect(await page.content()).not.toContain(token);

  // The token alone (no cookie) calls the API as its user.
  const auth = { authorization: `Bearer ${token}` };
  const listed = await request.get("/api/v1/tokens", { headers: auth });
  expect(listed.status()).toBe(200);
  const { tokens } = (await listed.json()) as { tokens: { name: string; lastUsedAt: string | null; revokedAt: string | null }[] };
  expect(tokens.find((t) => t.name === name)).toMatchObject({ lastUsedAt: expect.any(String), revokedAt: null });
  // …but cannot mint more tokens.
  const minted = await request.post("/api/v1/tokens", { headers: auth, data: { name: "minted by a token" } });
  expect(minted.status()).toBe(403);
  await page.reload();
  await expect(row).toContainText("just now");

  // Revoke, keyboard only: Escape backs out of the confirm step, Enter confirms.
  await row.getByRole("button", { name: `Revoke ${name}` }).focus();
  await page.keyboard.press("Enter");
  await expect(row.getByRole("button", { name: `Yes, revoke ${name}` })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(row.getByRole("button", { name: `Revoke ${name}` })).toBeFocused();
  await page.keyboard.press("Enter");
  await page.keyboard.press("Enter");
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button")).toHaveCount(0);
  await screenshot(page, testInfo, "account-api-tokens-revoked");

  const refused = await request.get("/api/v1/tokens", { headers: auth });
  expect(refused.status()).toBe(401);
  expect(await refused.json()).toEqual({ error: "This API token has been revoked." });

  // On a phone the tokens table scrolls inside its card; the page itself does not get wider.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(row).toContainText("Revoked");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await ctx.close();
});
