import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { auditLog, memberships, projects } from "@/db/schema";
import { as, call, request } from "@/lib/actions/testing";

// The session cookie and Next's request cache cannot exist outside a Next.js request: replaced.
vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());

const { addMemberAction, changePersonaAction, createProjectAction, removeMemberAction } = await import("./actions");

const TABLES = ["projects", "memberships", "audit_log"];

describe(`project and member actions on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;

  beforeAll(async () => {
    t = await createTestDatabase();
    request.db = t.db;
    org = await createFixtureOrg(t.db);
  });
  afterAll(() => t?.close());
  beforeEach(() => as(org.users.admin.claims));

  async function expectNothingWritten(fn: () => Promise<unknown>) {
    const before = await t.counts(...TABLES);
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
  }

  describe("create project", () => {
    it("an admin creates a project, the slug follows the name, and the audit log records it", async () => {
      const res = await call(createProjectAction, { name: "Fraud detection", slug: "", description: "Card fraud" });
      expect(res.redirect).toBe("/projects/fraud-detection");
      const [p] = await t.db.select().from(projects).where(eq(projects.slug, "fraud-detection"));
      expect(p).toMatchObject({ name: "Fraud detection", description: "Card fraud", createdBy: org.users.admin.id });
      const entries = await t.db.select().from(auditLog).where(eq(auditLog.projectId, p!.id));
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ action: "project.create", actorId: org.users.admin.id, subjectId: p!.id });
      expect(entries[0]!.after).toMatchObject({ slug: "fraud-detection", name: "Fraud detection" });
    });

    for (const person of ["manager", "dataScientist", "mlEngineer", "ops", "outsider", "orgOpsOutsider"] as const) {
      it(`is refused for ${person} and writes nothing`, async () => {
        as(org.users[person].claims);
        await expectNothingWritten(async () => {
          const res = await call(createProjectAction, { name: `By ${person}`, slug: `by-${person.toLowerCase()}` });
          expect(res).toMatchObject({ status: "error", message: "You are not allowed to create projects." });
        });
      });
    }

    it("is refused without a session", async () => {
      as(null);
      await expectNothingWritten(async () => {
        expect(await call(createProjectAction, { name: "Anon" })).toMatchObject({ status: "error", message: "Sign in to continue." });
      });
    });

    const bad: [string, Record<string, string>, string, RegExp][] = [
      ["an empty name", { name: "   " }, "name", /Enter a project name/],
      ["an over-long name", { name: "x".repeat(81) }, "name", /80 characters or fewer/],
      ["a malformed slug", { name: "Ok", slug: "Bad Slug!" }, "slug", /lower-case letters/],
      ["a one-letter slug", { name: "Ok", slug: "a" }, "slug", /2–48/],
      ["an over-long slug", { name: "Ok", slug: "a".repeat(49) }, "slug", /2–48/],
      ["a name with nothing sluggable", { name: "!!!" }, "slug", /lower-case letters/],
      ["an over-long description", { name: "Ok", description: "d".repeat(1001) }, "description", /1,000 characters/],
      ["a duplicate slug", { name: "Another", slug: "fraud-detection" }, "slug", /already used/],
    ];
    for (const [what, fields, field, message] of bad) {
      it(`rejects ${what} with a field message and writes nothing`, async () => {
        await expectNothingWritten(async () => {
          const res = await call(createProjectAction, fields);
          expect(res.status).toBe("error");
          if (res.status !== "error") return;
          expect(res.fieldErrors?.[field]?.join(" ")).toMatch(message);
        });
      });
    }

    it("lets exactly one of two simultaneous creations with the same slug win", async () => {
      const results = await Promise.all([
        call(createProjectAction, { name: "Race A", slug: "race" }),
        call(createProjectAction, { name: "Race B", slug: "race" }),
      ]);
      expect(results.filter((r) => r.redirect === "/projects/race")).toHaveLength(1);
      const loser = results.find((r) => !r.redirect);
      expect(loser?.status === "error" && loser.fieldErrors?.slug?.[0]).toMatch(/already used/);
      expect(await t.db.select().from(projects).where(eq(projects.slug, "race"))).toHaveLength(1);
    });
  });

  describe("members", () => {
    const membership = (userId: string) =>
      t.db
        .select({ persona: memberships.persona })
        .from(memberships)
        .where(and(eq(memberships.projectId, org.project.id), eq(memberships.userId, userId)));

    it("an admin adds a member, changes the persona, removes them, and each step is audited", async () => {
      const slug = org.project.slug;
      const who = org.users.outsider;
      expect(await call(addMemberAction, { projectSlug: slug, email: who.email.toUpperCase(), persona: "data_scientist" })).toMatchObject({ status: "success" });
      expect(await membership(who.id)).toEqual([{ persona: "data_scientist" }]);

      expect(await call(changePersonaAction, { projectSlug: slug, userId: who.id, persona: "manager" })).toMatchObject({ status: "success" });
      expect(await membership(who.id)).toEqual([{ persona: "manager" }]);

      expect(await call(removeMemberAction, { projectSlug: slug, userId: who.id })).toMatchObject({ status: "success" });
      expect(await membership(who.id)).toEqual([]);

      const entries = await t.db.select().from(auditLog).where(and(eq(auditLog.projectId, org.project.id), eq(auditLog.subjectId, who.id)));
      expect(entries.map((e) => e.action)).toEqual(["member.add", "member.change_persona", "member.remove"]);
      expect(entries[1]).toMatchObject({ before: { persona: "data_scientist" }, after: { persona: "manager" }, actorId: org.users.admin.id });
    });

    it("rejects unknown e-mail addresses, malformed e-mails, unknown personas and existing members, writing nothing", async () => {
      const slug = org.project.slug;
      const cases: [Record<string, string>, string, RegExp][] = [
        [{ email: "nobody@nowhere.test", persona: "manager" }, "email", /No Ferry user has the e-mail nobody@nowhere.test/],
        [{ email: "not-an-email", persona: "manager" }, "email", /valid e-mail/],
        [{ email: "", persona: "manager" }, "email", /Enter an e-mail/],
        [{ email: org.users.orgOpsOutsider.email, persona: "owner" }, "persona", /Choose a persona/],
        [{ email: org.users.manager.email, persona: "ops" }, "email", /already a member/],
      ];
      for (const [fields, field, message] of cases) {
        await expectNothingWritten(async () => {
          const res = await call(addMemberAction, { projectSlug: slug, ...fields });
          expect(res.status === "error" && res.fieldErrors?.[field]?.join(" ")).toMatch(message);
        });
      }
      expect(await membership(org.users.manager.id)).toEqual([{ persona: "manager" }]);
    });

    it("refuses an unknown project", async () => {
      await expectNothingWritten(async () => {
        const res = await call(addMemberAction, { projectSlug: "nope", email: org.users.outsider.email, persona: "manager" });
        expect(res).toMatchObject({ status: "error", message: "Project not found." });
      });
    });

    for (const person of ["manager", "dataScientist", "mlEngineer", "ops", "outsider"] as const) {
      it(`refuses ${person}: adding a member, changing a persona, removing a member — nothing written`, async () => {
        as(org.users[person].claims);
        const slug = org.project.slug;
        await expectNothingWritten(async () => {
          const add = await call(addMemberAction, { projectSlug: slug, email: org.users.orgOpsOutsider.email, persona: "ml_engineer" });
          const change = await call(changePersonaAction, { projectSlug: slug, userId: org.users.manager.id, persona: "ops" });
          const remove = await call(removeMemberAction, { projectSlug: slug, userId: org.users.dataScientist.id });
          for (const res of [add, change, remove]) {
            expect(res).toMatchObject({ status: "error", message: "You are not allowed to manage project members and their personas." });
          }
        });
        expect(await membership(org.users.manager.id)).toEqual([{ persona: "manager" }]);
        expect(await membership(org.users.dataScientist.id)).toEqual([{ persona: "data_scientist" }]);
      });
    }
  });
});
