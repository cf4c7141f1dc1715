import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { createFixtureOrg, createTestDatabase, testDbKind, type FixturePerson, type TestDatabase } from "@/db/testing";
import { sessions, users } from "@/db/schema";
import { ForbiddenError, NoProjectAccessError, NotFoundError, UnauthenticatedError } from "@/lib/actions/safe-error";
import { authorize } from "./authorize";
import { isProjectPermission, permissionNames, type Permission } from "./permissions";

// Who may do what (DESIGN §1), per fixture person. "ops" holds org role ops and the ops persona;
// "orgOpsOutsider" holds org role ops and no membership; "admin" is an admin and no member.
const allowed: Record<Permission, FixturePerson[]> = {
  "projects.read": ["dataScientist", "mlEngineer", "ops", "manager", "admin"],
  "datasets.write": ["dataScientist", "mlEngineer", "admin"],
  "runs.write": ["dataScientist", "mlEngineer", "admin"],
  "runs.log": ["dataScientist", "mlEngineer", "admin"],
  "models.register": ["dataScientist", "mlEngineer", "admin"],
  "promotions.request": ["dataScientist", "mlEngineer", "admin"],
  "gates.edit": ["mlEngineer", "ops", "admin"],
  "pipelines.manage": ["mlEngineer", "admin"],
  "pipelines.run": ["dataScientist", "mlEngineer", "admin"],
  "promotions.decide": ["ops", "admin"],
  "deployments.rollback": ["ops", "admin"],
  "clusters.read": ["dataScientist", "mlEngineer", "ops", "manager", "outsider", "orgOpsOutsider", "admin"],
  "clusters.manage": ["ops", "orgOpsOutsider", "admin"],
  "projects.create": ["admin"],
  "members.manage": ["admin"],
  "users.manage": ["admin"],
  "account.update": ["dataScientist", "mlEngineer", "ops", "manager", "outsider", "orgOpsOutsider", "admin"],
};

const people: FixturePerson[] = ["dataScientist", "mlEngineer", "ops", "manager", "admin", "outsider", "orgOpsOutsider"];

describe(`authorize() on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
  });
  afterAll(() => t?.close());

  for (const permission of permissionNames) {
    for (const person of people) {
      const ok = allowed[permission].includes(person);
      it(`${permission} × ${person} → ${ok ? "allowed" : "refused"}`, async () => {
        const scope = isProjectPermission(permission) ? { projectSlug: org.project.slug } : undefined;
        const call = authorize(t.db, org.users[person].claims, permission, scope);
        if (ok) {
          const ctx = await call;
          expect(ctx.actor.id).toBe(org.users[person].id);
          if (scope) expect(ctx.project?.id).toBe(org.project.id);
        } else if (scope && (person === "outsider" || person === "orgOpsOutsider")) {
          // Non-members learn nothing, not even that the project exists (same answer as for no project).
          await expect(call).rejects.toBeInstanceOf(NoProjectAccessError);
        } else {
          await expect(call).rejects.toBeInstanceOf(ForbiddenError);
        }
      });
    }
  }

  it("refuses calls without a session, with an unknown one, and with an expired one", async () => {
    await expect(authorize(t.db, null, "projects.read", { projectSlug: org.project.slug })).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(authorize(t.db, { sessionId: "forged" }, "account.update")).rejects.toBeInstanceOf(UnauthenticatedError);
    await t.db.insert(sessions).values({ id: "expired-session", userId: org.users.manager.id, expiresAt: new Date(Date.now() - 1000) });
    await expect(authorize(t.db, { sessionId: "expired-session" }, "account.update")).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("answers 'not found' to admins for projects that do not exist, by slug and by malformed id", async () => {
    await expect(authorize(t.db, org.users.admin.claims, "projects.read", { projectSlug: "no-such-project" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(authorize(t.db, org.users.admin.claims, "projects.read", { projectId: "'; drop table users; --" })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("gives non-admins one answer for 'no such project' and 'not a member' (403, nothing leaks)", async () => {
    const missing = await authorize(t.db, org.users.outsider.claims, "projects.read", { projectSlug: "no-such-project" }).catch((e) => e);
    const notMember = await authorize(t.db, org.users.outsider.claims, "projects.read", { projectSlug: org.project.slug }).catch((e) => e);
    expect(missing).toBeInstanceOf(NoProjectAccessError);
    expect(notMember).toBeInstanceOf(NoProjectAccessError);
    expect([missing.status, missing.message]).toEqual([notMember.status, notMember.message]);
    expect(missing.status).toBe(403);
  });

  it("reads roles from the database on every call: a role change takes effect at once", async () => {
    const fresh = await createFixtureOrg(t.db);
    await expect(authorize(t.db, fresh.users.outsider.claims, "clusters.manage")).rejects.toBeInstanceOf(ForbiddenError);
    await t.db.update(users).set({ orgRole: "ops" }).where(eq(users.id, fresh.users.outsider.id));
    await expect(authorize(t.db, fresh.users.outsider.claims, "clusters.manage")).resolves.toBeTruthy();
    await t.db.update(users).set({ orgRole: "member" }).where(eq(users.id, fresh.users.outsider.id));
    await expect(authorize(t.db, fresh.users.outsider.claims, "clusters.manage")).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("refuses a deactivated user at once, with a session that was valid a moment before", async () => {
    const fresh = await createFixtureOrg(t.db);
    const claims = fresh.users.dataScientist.claims;
    await expect(authorize(t.db, claims, "runs.write", { projectSlug: fresh.project.slug })).resolves.toBeTruthy();
    // Only the flag changes: the session row stays, so this proves the per-request check.
    await t.db.update(users).set({ active: false }).where(eq(users.id, fresh.users.dataScientist.id));
    await expect(authorize(t.db, claims, "projects.read", { projectSlug: fresh.project.slug })).rejects.toThrow(/deactivated/);
    await expect(authorize(t.db, claims, "account.update")).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});
