import { expect, test } from "@playwright/test";
import { screenshot, signIn } from "./fixtures/personas";

test("an admin creates a user, who changes the temporary password, joins a project, and is locked out at once when deactivated", async ({ browser }, testInfo) => {
  const email = `newbie-${Date.now().toString(36)}@ferry.dev`;
  const adminCtx = await browser.newContext();
  const admin = await adminCtx.newPage();
  await signIn(admin, "admin@ferry.dev");
  await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await expect(admin.getByRole("heading", { level: 1, name: "Users" })).toBeVisible();

  // Bad input first.
  await admin.getByRole("button", { name: "Create user" }).click();
  await expect(admin.getByText("Enter the person's name.")).toBeVisible();
  await expect(admin.getByText("Enter an e-mail address.")).toBeVisible();
  await admin.getByLabel("Name").fill("Duplicate");
  await admin.getByLabel("E-mail").fill("ds@ferry.dev");
  await admin.getByRole("button", { name: "Create user" }).click();
  await expect(admin.getByText("A user with the e-mail ds@ferry.dev already exists.")).toBeVisible();

  await admin.getByLabel("Name").fill("Nina Newbie");
  await admin.getByLabel("E-mail").fill(email);
  await admin.getByRole("button", { name: "Create user" }).click();
  const temp = (await admin.getByTestId("temporary-password").first().textContent())!.trim();
  expect(temp).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
  await screenshot(admin, testInfo, "admin-users");

  // The new user signs in with it and is asked to choose their own.
  const userCtx = await browser.newContext();
  const user = await userCtx.newPage();
  await signIn(user, email, temp);
  await expect(user).toHaveURL(/\/account$/);
  await expect(user.getByText("You are signed in with a temporary password.")).toBeVisible();
  await user.getByLabel("Current password").fill(temp);
  await user.getByLabel("New password", { exact: true }).fill("short");
  await user.getByLabel("Repeat the new password").fill("short");
  await user.getByRole("button", { name: "Change password" }).click();
  await expect(user.getByText("Use at least 10 characters.")).toBeVisible();
  await user.getByLabel("Current password").fill(temp);
  await user.getByLabel("New password", { exact: true }).fill("nina's own password");
  await user.getByLabel("Repeat the new password").fill("nina's own password");
  await user.getByRole("button", { name: "Change password" }).click();
  await expect(user.getByText("Password changed.")).toBeVisible();
  await user.goto("/projects");
  await expect(user.getByText("You are not a member of any project yet.")).toBeVisible();
  await expect(user.getByText("You are signed in with a temporary password.")).toHaveCount(0);

  // The admin adds them to the demo project; they see it.
  await admin.goto("/projects/churn-prediction/members");
  await admin.getByLabel("E-mail").fill(email);
  await admin.getByLabel("Persona", { exact: true }).selectOption("manager");
  await admin.getByRole("button", { name: "Add member" }).click();
  await expect(admin.getByText(`${email} added.`)).toBeVisible();
  await user.goto("/projects");
  await expect(user.getByRole("list", { name: "Projects" })).toContainText("Churn prediction");

  // An org-role change is saved explicitly and shows at once.
  await admin.goto("/admin/users");
  const row = admin.getByTestId(`user-${email}`);
  await row.getByLabel(`Org role of ${email}`).selectOption("ops");
  await row.getByRole("button", { name: `Save org role of ${email}` }).click();
  await expect(row.getByRole("button", { name: `Save org role of ${email}` })).toHaveCount(0);
  await admin.reload();
  await expect(admin.getByTestId(`user-${email}`).getByLabel(`Org role of ${email}`)).toHaveValue("ops");

  // Deactivation takes effect on the user's very next request.
  await admin.getByRole("button", { name: `Deactivate ${email}` }).click();
  await expect(admin.getByTestId(`user-${email}`)).toContainText("Deactivated");
  await user.goto("/projects/churn-prediction");
  await expect(user).toHaveURL(/\/sign-in$/);
  await user.getByLabel("E-mail").fill(email);
  await user.getByLabel("Password").fill("nina's own password");
  await user.getByRole("button", { name: "Sign in" }).click();
  await expect(user.getByText("This account has been deactivated. Ask an admin to reactivate it.")).toBeVisible();

  await adminCtx.close();
  await userCtx.close();
});
