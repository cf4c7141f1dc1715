import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { auditLog, sessions, users } from "@/db/schema";
import { resolveActor } from "./authorize";
import { hashPassword } from "./password";
import { changePassword, RATE_LIMIT, signInWithPassword } from "./service";

describe(`sign-in and passwords on ${testDbKind}`, () => {
  let t: TestDatabase;
  let hash: string;

  async function makeUser(email: string, extra: Partial<typeof users.$inferInsert> = {}) {
    const [u] = await t.db.insert(users).values({ email, name: email, passwordHash: hash, ...extra }).returning();
    return u!;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    hash = await hashPassword("correct horse battery");
  });
  afterAll(() => t?.close());

  it("stores argon2id hashes, never the password", async () => {
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(hash).not.toContain("correct horse");
  });

  it("opens a server-side session for the right password, case-insensitively on the e-mail", async () => {
    const u = await makeUser("ok@test.ferry");
    const res = await signInWithPassword(t.db, { email: " OK@Test.Ferry ", password: "correct horse battery", ip: "10.0.0.1" });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.user.id).toBe(u.id);
    const actor = await resolveActor(t.db, { sessionId: res.sessionId });
    expect(actor.email).toBe("ok@test.ferry");
  });

  it("gives the same answer for a wrong password and an unknown e-mail", async () => {
    await makeUser("wrong@test.ferry");
    expect(await signInWithPassword(t.db, { email: "wrong@test.ferry", password: "nope", ip: "10.0.0.2" })).toEqual({ ok: false, code: "invalid_credentials" });
    expect(await signInWithPassword(t.db, { email: "ghost@test.ferry", password: "nope", ip: "10.0.0.2" })).toEqual({ ok: false, code: "invalid_credentials" });
  });

  it(`rate-limits after ${RATE_LIMIT.maxFailuresPerEmail} failures per e-mail, even with the right password, and not other e-mails`, async () => {
    await makeUser("target@test.ferry");
    await makeUser("bystander@test.ferry");
    for (let i = 0; i < RATE_LIMIT.maxFailuresPerEmail; i++) {
      expect((await signInWithPassword(t.db, { email: "target@test.ferry", password: `guess-${i}`, ip: `10.1.0.${i}` })).ok).toBe(false);
    }
    const blocked = await signInWithPassword(t.db, { email: "target@test.ferry", password: "correct horse battery", ip: "10.1.1.1" });
    expect(blocked).toMatchObject({ ok: false, code: "rate_limited", retryAfterMinutes: RATE_LIMIT.windowMinutes });
    expect(await t.db.select().from(sessions).innerJoin(users, eq(users.id, sessions.userId)).where(eq(users.email, "target@test.ferry"))).toHaveLength(0);
    expect((await signInWithPassword(t.db, { email: "bystander@test.ferry", password: "correct horse battery", ip: "10.1.1.1" })).ok).toBe(true);
    // The window passes: the right password works again.
    const later = new Date(Date.now() + (RATE_LIMIT.windowMinutes + 1) * 60_000);
    expect((await signInWithPassword(t.db, { email: "target@test.ferry", password: "correct horse battery", ip: "10.1.1.1" }, later)).ok).toBe(true);
  });

  it(`rate-limits one IP after ${RATE_LIMIT.maxFailuresPerIp} failures across e-mails`, async () => {
    await makeUser("ipvictim@test.ferry");
    for (let i = 0; i < RATE_LIMIT.maxFailuresPerIp; i++) {
      await signInWithPassword(t.db, { email: `spray-${i}@test.ferry`, password: "x", ip: "192.0.2.66" });
    }
    expect(await signInWithPassword(t.db, { email: "ipvictim@test.ferry", password: "correct horse battery", ip: "192.0.2.66" })).toMatchObject({ code: "rate_limited" });
    expect((await signInWithPassword(t.db, { email: "ipvictim@test.ferry", password: "correct horse battery", ip: "192.0.2.67" })).ok).toBe(true);
  });

  it("refuses deactivated accounts", async () => {
    await makeUser("gone@test.ferry", { active: false });
    expect(await signInWithPassword(t.db, { email: "gone@test.ferry", password: "correct horse battery", ip: "10.0.0.3" })).toEqual({ ok: false, code: "deactivated" });
  });

  it("changes a password: checks the current one, ends the other sessions, keeps this one, audits", async () => {
    const u = await makeUser("change@test.ferry", { mustChangePassword: true });
    const a = await signInWithPassword(t.db, { email: u.email, password: "correct horse battery", ip: "10.0.0.4" });
    const b = await signInWithPassword(t.db, { email: u.email, password: "correct horse battery", ip: "10.0.0.5" });
    if (!a.ok || !b.ok) throw new Error("sign-in failed");
    const actor = await resolveActor(t.db, { sessionId: a.sessionId });
    await expect(changePassword(t.db, actor, { currentPassword: "wrong", newPassword: "a new long password" })).rejects.toMatchObject({ field: "currentPassword" });
    await changePassword(t.db, actor, { currentPassword: "correct horse battery", newPassword: "a new long password" });
    expect((await resolveActor(t.db, { sessionId: a.sessionId })).mustChangePassword).toBe(false);
    await expect(resolveActor(t.db, { sessionId: b.sessionId })).rejects.toThrow(/session has ended/);
    expect((await signInWithPassword(t.db, { email: u.email, password: "a new long password", ip: "10.0.0.6" })).ok).toBe(true);
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, u.id));
    expect(entry).toMatchObject({ action: "user.change_password", actorId: u.id });
  });
});
