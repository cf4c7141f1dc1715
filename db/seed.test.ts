import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testDbKind, type TestDatabase } from "./testing";
import { demoProject, demoUsers, isEmpty, seedDemo } from "./seed";
import { memberships, projects, users } from "./schema";
import { eq } from "drizzle-orm";
import { signInWithPassword } from "@/lib/auth/service";

describe(`demo seed on ${testDbKind}`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.close());

  it("creates the demo organisation once; running it again changes nothing", async () => {
    expect(await isEmpty(t.db)).toBe(true);
    expect(await seedDemo(t.db)).toEqual({ createdUsers: 5, createdProject: true });
    const counts = await t.counts("users", "projects", "memberships", "audit_log");
    expect(counts).toEqual({ users: 5, projects: 1, memberships: 5, audit_log: 1 });
    expect(await seedDemo(t.db)).toEqual({ createdUsers: 0, createdProject: false });
    expect(await t.counts("users", "projects", "memberships", "audit_log")).toEqual(counts);
  });

  it("gives every demo user the documented role and persona and the demo password", async () => {
    const [project] = await t.db.select().from(projects).where(eq(projects.slug, demoProject.slug));
    expect(project?.name).toBe("Churn prediction");
    for (const d of demoUsers) {
      const [u] = await t.db.select().from(users).where(eq(users.email, d.email));
      expect(u).toMatchObject({ isAdmin: d.isAdmin, orgRole: d.orgRole, active: true });
      const [m] = await t.db.select().from(memberships).where(eq(memberships.userId, u!.id));
      expect(m?.persona).toBe(d.persona);
      expect((await signInWithPassword(t.db, { email: d.email, password: "ferry-demo", ip: "127.0.0.1" })).ok).toBe(true);
    }
    const ops = demoUsers.find((u) => u.email === "ops@ferry.dev");
    expect(ops).toMatchObject({ orgRole: "ops", persona: "ops" });
  });
});
