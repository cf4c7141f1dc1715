import crypto from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { apiTokens, auditLog, users } from "@/db/schema";
import { as, call, request } from "@/lib/actions/testing";
import { authorize, resolveActor } from "@/lib/auth/authorize";
import { listApiTokens } from "./queries";
import { createApiToken, MAX_ACTIVE_TOKENS, revokeApiToken } from "./service";

// The session cookie and Next's request cache cannot exist outside a Next.js request: replaced.
vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());

const { createApiTokenAction, revokeApiTokenAction } = await import("./actions");

const TABLES = ["api_tokens", "audit_log"];
type Created = { id: string; name: string; prefix: string; token: string };

describe(`API token actions on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;

  beforeAll(async () => {
    t = await createTestDatabase();
    request.db = t.db;
    org = await createFixtureOrg(t.db);
  });
  afterAll(() => t?.close());
  beforeEach(() => as(org.users.dataScientist.claims));

  const tokenRow = async (id: string) => (await t.db.select().from(apiTokens).where(eq(apiTokens.id, id)))[0]!;

  async function create(name: string): Promise<Created> {
    const res = await call(createApiTokenAction, { name });
    if (res.status !== "success") throw new Error(`create ${name}: ${JSON.stringify(res)}`);
    return res.data as Created;
  }

  async function expectNothingWritten(fn: () => Promise<unknown>) {
    const before = await t.counts(...TABLES);
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
  }

  it("shows the token once and stores only its sha256; the audit entry holds neither", async () => {
    const created = await create("  Laptop notebook  ");
    expect(created.token).toMatch(/^ferry_[A-Za-z0-9_-]{43}$/);
    expect(created.name).toBe("Laptop notebook");
    const row = await tokenRow(created.id);
    expect(row).toMatchObject({ userId: org.users.dataScientist.id, name: "Laptop notebook", lastUsedAt: null, revokedAt: null });
    expect(row.tokenHash).toBe(crypto.createHash("sha256").update(created.token).digest("hex"));
    expect(row.prefix).toBe(created.token.slice(0, 12));
    expect(JSON.stringify(row)).not.toContain(created.token);

    // What pages and the API list: no token, no hash.
    const listed = (await listApiTokens(t.db, org.users.dataScientist.id)).find((x) => x.id === created.id)!;
    expect(Object.keys(listed).sort()).toEqual(["createdAt", "id", "lastUsedAt", "name", "prefix", "revokedAt"]);

    const [entry] = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, created.id), eq(auditLog.action, "token.create")));
    expect(entry).toMatchObject({ subjectType: "api_token", actorId: org.users.dataScientist.id });
    expect(entry!.summary).toContain('"Laptop notebook"');
    const logged = JSON.stringify(entry);
    expect(logged).not.toContain(created.token);
    expect(logged).not.toContain(row.tokenHash);
  });

  it("a token authenticates as its user, with exactly that user's permissions, and records its last use", async () => {
    const ds = await create("ds permissions");
    const manager = await createApiToken(t.db, await resolveActor(t.db, org.users.manager.claims), { name: "manager permissions" });
    const outsider = await createApiToken(t.db, await resolveActor(t.db, org.users.outsider.claims), { name: "outsider" });
    const scope = { projectSlug: org.project.slug };

    const actor = await resolveActor(t.db, { apiToken: ds.token });
    expect(actor).toMatchObject({ id: org.users.dataScientist.id, email: org.users.dataScientist.email, tokenId: ds.id, sessionId: null });
    expect((await tokenRow(ds.id)).lastUsedAt).toBeInstanceOf(Date);

    await expect(authorize(t.db, { apiToken: ds.token }, "datasets.write", scope)).resolves.toMatchObject({ persona: "data_scientist" });
    await expect(authorize(t.db, { apiToken: ds.token }, "promotions.decide", scope)).rejects.toMatchObject({ status: 403 });
    await expect(authorize(t.db, { apiToken: manager.token }, "projects.read", scope)).resolves.toMatchObject({ persona: "manager" });
    await expect(authorize(t.db, { apiToken: manager.token }, "datasets.write", scope)).rejects.toMatchObject({ status: 403 });
    // Outside the project: refused exactly as the same user's session is.
    const refusal = async (claims: Parameters<typeof authorize>[1]) => {
      const e = await authorize(t.db, claims, "projects.read", scope).then(() => null, (err: Error & { status?: number }) => err);
      return e && { name: e.name, status: e.status, message: e.message };
    };
    const viaToken = await refusal({ apiToken: outsider.token });
    expect(viaToken).toMatchObject({ status: expect.any(Number) });
    expect(viaToken).toEqual(await refusal(org.users.outsider.claims));
    await expect(authorize(t.db, { apiToken: ds.token }, "users.manage")).rejects.toMatchObject({ status: 403 });
    // A token that was never issued, and one that merely looks like one.
    await expect(resolveActor(t.db, { apiToken: `ferry_${"A".repeat(43)}` })).rejects.toThrow("Invalid API token.");
    await expect(resolveActor(t.db, { apiToken: ds.token.slice(0, -1) })).rejects.toThrow("Invalid API token.");
  });

  it("rejects bad names with a message on the field and writes nothing", async () => {
    const cases: [string, RegExp][] = [
      ["", /Enter a name/],
      ["   ", /Enter a name/],
      ["n".repeat(101), /100 characters/],
      ["line\nbreak", /control characters/],
    ];
    for (const [name, message] of cases) {
      await expectNothingWritten(async () => {
        const res = await call(createApiTokenAction, { name });
        expect(res.status === "error" && res.fieldErrors?.name?.join(" "), JSON.stringify(name)).toMatch(message);
      });
    }
    await expectNothingWritten(async () => {
      expect((await call(createApiTokenAction, {})).status).toBe("error");
    });
    // 100 characters is fine.
    expect((await create("n".repeat(100))).name).toHaveLength(100);
  });

  it("refuses a name already used by an active token (any case), and frees it once that token is revoked", async () => {
    const first = await create("Deploy bot");
    await expectNothingWritten(async () => {
      const res = await call(createApiTokenAction, { name: " deploy BOT " });
      expect(res).toMatchObject({ status: "error", fieldErrors: { name: ['You already have an active token named "deploy BOT". Choose another name, or revoke that token first.'] } });
    });
    // Someone else may use the same name.
    as(org.users.mlEngineer.claims);
    await create("Deploy bot");
    as(org.users.dataScientist.claims);
    expect(await call(revokeApiTokenAction, { tokenId: first.id })).toMatchObject({ status: "success" });
    expect((await create("Deploy bot")).id).not.toBe(first.id);
  });

  it(`allows at most ${MAX_ACTIVE_TOKENS} active tokens per user`, async () => {
    const fresh = await createFixtureOrg(t.db);
    const actor = await resolveActor(t.db, fresh.users.ops.claims);
    const made = [];
    for (let i = 0; i < MAX_ACTIVE_TOKENS; i++) made.push(await createApiToken(t.db, actor, { name: `token ${i}` }));
    as(fresh.users.ops.claims);
    await expectNothingWritten(async () => {
      const res = await call(createApiTokenAction, { name: "one too many" });
      expect(res).toMatchObject({ status: "error", message: `You already have ${MAX_ACTIVE_TOKENS} active tokens, the most allowed. Revoke one you no longer use first.` });
    });
    // Revoked tokens do not count.
    expect(await call(revokeApiTokenAction, { tokenId: made[0]!.id })).toMatchObject({ status: "success" });
    expect((await create("one too many")).name).toBe("one too many");
  });

  it("holds the name and count rules under concurrent creations", async () => {
    const fresh = await createFixtureOrg(t.db);
    const actor = await resolveActor(t.db, fresh.users.mlEngineer.claims);
    const sameName = await Promise.allSettled(Array.from({ length: 6 }, () => createApiToken(t.db, actor, { name: "race" })));
    expect(sameName.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (let i = 0; i < MAX_ACTIVE_TOKENS - 3; i++) await createApiToken(t.db, actor, { name: `filler ${i}` });
    const nearLimit = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => createApiToken(t.db, actor, { name: `late ${i}` })));
    expect(nearLimit.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect((await listApiTokens(t.db, fresh.users.mlEngineer.id)).filter((x) => !x.revokedAt)).toHaveLength(MAX_ACTIVE_TOKENS);
  });

  it("revokes a token: it is refused at once, the audit log records it once, and revoking again changes nothing", async () => {
    const created = await create("short-lived");
    await resolveActor(t.db, { apiToken: created.token });
    const res = await call(revokeApiTokenAction, { tokenId: created.id });
    expect(res).toMatchObject({ status: "success", message: 'Token "short-lived" revoked.' });
    const row = await tokenRow(created.id);
    expect(row.revokedAt).toBeInstanceOf(Date);
    await expect(resolveActor(t.db, { apiToken: created.token })).rejects.toMatchObject({ status: 401, message: "This API token has been revoked." });

    const entries = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, created.id), eq(auditLog.action, "token.revoke")));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ subjectType: "api_token", actorId: org.users.dataScientist.id });
    expect(JSON.stringify(entries[0])).not.toContain(created.token);

    await expectNothingWritten(async () => {
      expect(await call(revokeApiTokenAction, { tokenId: created.id })).toMatchObject({ status: "success" });
    });
    expect(await tokenRow(created.id)).toEqual(row);
  });

  it("cannot revoke someone else's token (not found, nothing written), even as an admin", async () => {
    const victim = await create("victim");
    for (const person of ["mlEngineer", "admin"] as const) {
      as(org.users[person].claims);
      await expectNothingWritten(async () => {
        expect(await call(revokeApiTokenAction, { tokenId: victim.id })).toMatchObject({ status: "error", message: "API token not found." });
      });
      await expect(revokeApiToken(t.db, await resolveActor(t.db, org.users[person].claims), victim.id)).rejects.toMatchObject({ status: 404 });
    }
    expect((await tokenRow(victim.id)).revokedAt).toBeNull();
    await expect(resolveActor(t.db, { apiToken: victim.token })).resolves.toMatchObject({ id: org.users.dataScientist.id });
    as(org.users.dataScientist.claims);
    expect(await call(revokeApiTokenAction, { tokenId: "1 or 1=1" })).toMatchObject({ status: "error", fieldErrors: { tokenId: ["Unknown API token."] } });
    expect(await call(revokeApiTokenAction, { tokenId: crypto.randomUUID() })).toMatchObject({ status: "error", message: "API token not found." });
  });

  it("refuses the tokens of a deactivated user, and token-authenticated callers cannot create tokens", async () => {
    const fresh = await createFixtureOrg(t.db);
    as(fresh.users.manager.claims);
    const created = await create("before deactivation");
    const tokenActor = await resolveActor(t.db, { apiToken: created.token });
    await expectNothingWritten(async () => {
      await expect(createApiToken(t.db, tokenActor, { name: "minted by a token" })).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/^API tokens cannot create tokens; sign in/) });
    });
    await t.db.update(users).set({ active: false }).where(eq(users.id, fresh.users.manager.id));
    await expect(resolveActor(t.db, { apiToken: created.token })).rejects.toMatchObject({ status: 401, message: "This account has been deactivated. Ask an admin to reactivate it." });
  });

  it("refuses both actions without a session and writes nothing", async () => {
    as(null);
    await expectNothingWritten(async () => {
      expect(await call(createApiTokenAction, { name: "anonymous" })).toMatchObject({ status: "error", message: "Sign in to continue." });
    });
  });
});
