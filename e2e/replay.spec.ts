import { expect, test, type Request } from "@playwright/test";
import { signIn } from "./fixtures/personas";

// A manager sees no create button; the server must refuse the request anyway. Capture the real
// create-project server action request made by an admin, then replay it with the manager's cookie.
test("replaying an admin's create-project server action with a manager's session is refused and creates nothing", async ({ browser }) => {
  const admin = await browser.newContext();
  const adminPage = await admin.newPage();
  await signIn(adminPage, "admin@ferry.dev");
  await adminPage.goto("/projects/new");

  // First, capture a submission that fails validation (so the admin creates nothing either).
  const captured = new Promise<Request>((resolve) => {
    adminPage.on("request", (r) => {
      if (r.method() === "POST" && r.headers()["next-action"]) resolve(r);
    });
  });
  const slug = `replayed-${Date.now().toString(36)}`;
  await adminPage.getByLabel("Name").fill("Replayed project");
  await adminPage.getByLabel("Slug").fill(slug);
  await adminPage.getByLabel("Description").fill("d".repeat(1001)); // invalid: nothing is created
  await adminPage.getByRole("button", { name: "Create project" }).click();
  const request = await captured;
  await expect(adminPage.getByText("Keep the description to 1,000 characters or fewer.")).toBeVisible();

  // Build a valid body from the captured one (same action id, same multipart layout).
  const body = request.postDataBuffer()!.toString("latin1").replace("d".repeat(1001), "A valid description");
  const headers = request.headers();
  const replayHeaders: Record<string, string> = {
    "next-action": headers["next-action"]!,
    "content-type": headers["content-type"]!,
    accept: headers["accept"] ?? "text/x-component",
    origin: headers["origin"] ?? new URL(request.url()).origin,
  };
  if (headers["next-router-state-tree"]) replayHeaders["next-router-state-tree"] = headers["next-router-state-tree"];

  const manager = await browser.newContext();
  const managerPage = await manager.newPage();
  await signIn(managerPage, "manager@ferry.dev");
  await managerPage.goto("/projects");
  await expect(managerPage.getByRole("link", { name: "New project" })).toHaveCount(0);
  await managerPage.goto("/projects/new");
  await expect(managerPage.getByText("You don't have access to this page")).toBeVisible();

  const replayed = await manager.request.post(request.url(), { headers: replayHeaders, data: Buffer.from(body, "latin1") });
  const text = await replayed.text();
  expect(text).toContain("You are not allowed to create projects.");
  expect(text).not.toContain(`/projects/${slug}`);

  // Control: the very same replay with the admin's session does create it, so the request was valid.
  const control = await admin.request.post(request.url(), { headers: replayHeaders, data: Buffer.from(body.replace(slug, `${slug}-admin`), "latin1"), maxRedirects: 0 });
  expect([200, 303]).toContain(control.status());

  // Nothing was created by the manager's replay.
  await adminPage.goto("/projects");
  await expect(adminPage.getByRole("list", { name: "Projects" })).toContainText(`${slug}-admin`);
  await expect(adminPage.getByRole("list", { name: "Projects" })).not.toContainText(new RegExp(`${slug}(?!-admin)`));
  const res = await adminPage.goto(`/projects/${slug}`);
  expect(res?.status()).toBe(404);

  await admin.close();
  await manager.close();
});
