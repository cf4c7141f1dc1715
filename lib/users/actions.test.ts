import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { auditLog, sessions, users } from "@/db/schema";
import { as, call, request } from "@/lib/actions/testing";
import { authorize } from "@/lib/auth/authorize";
import { signInWithPassword } from "@/lib/auth/service";

// The session cookie and Next's request cache cannot exist outside a Next.js request: replaced.
vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());

const { createUserAction, resetPasswordAction, setActiveAction, setAdminAction, setOrgRoleAction } = await import("./actions");

describe(`user administration on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  const userRow = async (id: string) => (await t.db.select().from(users).where(eq(users.id, id)))[0]!;

  beforeAll(async () => {
    t = await createTestDatabase();
    request.db = t.db;
    org = await createFixtureOrg(t.db);
  });
  afterAll(() => t?.close());
  beforeEach(() => as(org.users.admin.claims));

  it("creates a user with a one-time temporary password that works and must be changed", async () => {
    const res = await call(createUserAction, { email: "New.Person@Test.Ferry", name: "New Person", orgRole: "ops", isAdmin: "" });
    expect(res.status).toBe("success");
    const data = res.status === "success" ? (res.data as { email: string; temporaryPassword: string }) : null;
    expect(data?.email).toBe("new.person@test.ferry");
    expect(data?.temporaryPassword).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    const [u] = await t.db.select().from(users).where(eq(users.email, "new.person@test.ferry"));
    expect(u).toMatchObject({ orgRole: "ops", isAdmin: false, mustChangePassword: true, active: true });
    expect(u!.passwordHash).not.toContain(data!.temporaryPassword);
    expect((await signInWithPassword(t.db, { email: u!.email, password: data!.temporaryPassword, ip: "1.1.1.1" })).ok).toBe(true);
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, u!.id));
    expect(entry).toMatchObject({ action: "user.create", actorId: org.users.admin.id });
  });

  it("rejects bad input with field messages and writes nothing", async () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ email: "", name: "X", orgRole: "member" }, "email", /Enter an e-mail/],
      [{ email: "nope", name: "X", orgRole: "member" }, "email", /valid e-mail/],
      [{ email: "a@b.test", name: " ", orgRole: "member" }, "name", /Enter the person's name/],
      [{ email: "a@b.test", name: "n".repeat(121), orgRole: "member" }, "name", /120 characters/],
      [{ email: "a@b.test", name: "X", orgRole: "root" }, "orgRole", /org role/],
      [{ email: org.users.manager.email.toUpperCase(), name: "Dup", orgRole: "member" }, "email", /already exists/],
    ];
    for (const [fields, field, message] of cases) {
      const before = await t.counts("users", "audit_log");
      const res = await call(createUserAction, fields);
      expect(res.status === "error" && res.fieldErrors?.[field]?.join(" "), JSON.stringify(fields)).toMatch(message);
      expect(await t.counts("users", "audit_log")).toEqual(before);
    }
  });

  for (const person of ["manager", "dataScientist", "mlEngineer", "ops", "outsider"] as const) {
    it(`refuses every user-admin action for ${person} and writes nothing`, async () => {
      as(org.users[person].claims);
      const target = org.users.outsider.id === org.users[person].id ? org.users.manager.id : org.users.outsider.id;
      const before = await t.counts("users", "sessions", "audit_log");
      const targetBefore = await userRow(target);
      const results = [
        await call(createUserAction, { email: `sneaky-${person}@test.ferry`, name: "Sneaky", orgRole: "ops" }),
        await call(setOrgRoleAction, { userId: target, orgRole: "ops" }),
        await call(setAdminAction, { userId: target, isAdmin: "true" }),
        await call(setActiveAction, { userId: target, active: "false" }),
        await call(resetPasswordAction, { userId: target }),
      ];
      for (const res of results) expect(res).toMatchObject({ status: "error", message: "You are not allowed to create users, set org roles, deactivate users." });
      expect(await t.counts("users", "sessions", "audit_log")).toEqual(before);
      expect(await userRow(target)).toEqual(targetBefore);
    });
  }

  it("sets the org role, which changes permissions at once", async () => {
    const fresh = await createFixtureOrg(t.db);
    await expect(authorize(t.db, fresh.users.outsider.claims, "clusters.manage")).rejects.toThrow();
    expect(await call(setOrgRoleAction, { userId: fresh.users.outsider.id, orgRole: "ops" })).toMatchObject({ status: "success" });
    await expect(authorize(t.db, fresh.users.outsider.claims, "clusters.manage")).resolves.toBeTruthy();
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.action, "user.set_org_role"));
    expect(entry).toMatchObject({ before: { orgRole: "member" }, after: { orgRole: "ops" } });
  });

  it("deactivates a user: their live session is refused at once and ended; reactivation lets them sign in again", async () => {
    const fresh = await createFixtureOrg(t.db);
    const victim = fresh.users.dataScientist;
    await expect(authorize(t.db, victim.claims, "projects.read", { projectSlug: fresh.project.slug })).resolves.toBeTruthy();
    expect(await call(setActiveAction, { userId: victim.id, active: "false" })).toMatchObject({ status: "success" });
    await expect(authorize(t.db, victim.claims, "projects.read", { projectSlug: fresh.project.slug })).rejects.toThrow(/session has ended|deactivated/);
    expect(await t.db.select().from(sessions).where(eq(sessions.userId, victim.id))).toHaveLength(0);
    expect(await call(setActiveAction, { userId: victim.id, active: "true" })).toMatchObject({ status: "success" });
    expect((await userRow(victim.id)).active).toBe(true);
  });

  it("does not let admins deactivate or demote themselves", async () => {
    const me = org.users.admin.id;
    expect(await call(setActiveAction, { userId: me, active: "false" })).toMatchObject({ status: "error", message: "You cannot deactivate your own account." });
    expect(await call(setAdminAction, { userId: me, isAdmin: "false" })).toMatchObject({ status: "error", message: expect.stringMatching(/own admin rights/) });
    expect(await userRow(me)).toMatchObject({ active: true, isAdmin: true });
  });

  it("resets a password: old sessions end, the new temporary password works", async () => {
    const fresh = await createFixtureOrg(t.db);
    const who = fresh.users.manager;
    const res = await call(resetPasswordAction, { userId: who.id });
    const pw = res.status === "success" ? (res.data as { temporaryPassword: string }).temporaryPassword : "";
    await expect(authorize(t.db, who.claims, "account.update")).rejects.toThrow(/session has ended/);
    expect((await signInWithPassword(t.db, { email: who.email, password: pw, ip: "1.1.1.2" })).ok).toBe(true);
    expect((await userRow(who.id)).mustChangePassword).toBe(true);
  });

  it("refuses malformed user ids", async () => {
    expect(await call(setActiveAction, { userId: "1 or 1=1", active: "false" })).toMatchObject({ status: "error", fieldErrors: { userId: ["Unknown user."] } });
  });
});
