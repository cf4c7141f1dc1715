import crypto from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { apiTokens, auditLog, users } from "@/db/schema";
import { as, request } from "@/lib/actions/testing";
import { resolveActor } from "@/lib/auth/authorize";
import { createApiToken } from "./service";

// The session cookie and Next's request cache cannot exist outside a Next.js request: replaced.
vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
// connection() only marks a route dynamic during a Next.js render; outside one it throws. A no-op here.
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

const tokensRoute = await import("@/app/api/v1/tokens/route");
const tokenRoute = await import("@/app/api/v1/tokens/[id]/route");

const TABLES = ["api_tokens", "audit_log"];
const BASE = "http://ferry.test/api/v1/tokens";

type TokenJson = { id: string; name: string; prefix: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null };

function post(body: unknown, headers: Record<string, string> = {}) {
  return tokensRoute.POST(
    new Request(BASE, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const list = (headers: Record<string, string> = {}) => tokensRoute.GET(new Request(BASE, { headers }));
const revoke = (id: string, headers: Record<string, string> = {}) =>
  tokenRoute.DELETE(new Request(`${BASE}/${encodeURIComponent(id)}`, { method: "DELETE", headers }), { params: Promise.resolve({ id }) });

describe(`/api/v1/tokens on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;

  beforeAll(async () => {
    t = await createTestDatabase();
    request.db = t.db;
    org = await createFixtureOrg(t.db);
  });
  afterAll(() => t?.close());
  // Every request starts signed out; a test signs in (session cookie) where it means to.
  beforeEach(() => as(null));

  async function expectNothingWritten(fn: () => Promise<unknown>) {
    const before = await t.counts(...TABLES);
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
  }

  async function tokenFor(person: keyof typeof org.users, name: string) {
    return createApiToken(t.db, await resolveActor(t.db, org.users[person].claims), { name });
  }

  it("POST with a session returns the token once (201); the token then lists the user's tokens, with a last-used time", async () => {
    as(org.users.mlEngineer.claims);
    const res = await post({ name: "CI pipeline" });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as TokenJson & { token: string };
    expect(body).toEqual({ token: expect.stringMatching(/^ferry_[A-Za-z0-9_-]{43}$/), id: expect.any(String), name: "CI pipeline", prefix: body.token.slice(0, 12), createdAt: expect.any(String) });
    const [row] = await t.db.select().from(apiTokens).where(eq(apiTokens.id, body.id));
    expect(row!.tokenHash).toBe(crypto.createHash("sha256").update(body.token).digest("hex"));

    as(null);
    const listed = await list(bearer(body.token));
    expect(listed.status).toBe(200);
    const { tokens } = (await listed.json()) as { tokens: TokenJson[] };
    const mine = tokens.find((x) => x.id === body.id)!;
    expect(mine).toEqual({ id: body.id, name: "CI pipeline", prefix: body.prefix, createdAt: body.createdAt, lastUsedAt: expect.any(String), revokedAt: null });
    expect(JSON.stringify(tokens)).not.toContain(body.token);
    expect(JSON.stringify(tokens)).not.toContain(row!.tokenHash);
    // Only the caller's own tokens.
    const other = await tokenFor("ops", "ops only");
    expect(tokens.map((x) => x.id)).not.toContain(other.id);

    // The session sees the same list.
    as(org.users.mlEngineer.claims);
    const viaSession = (await (await list()).json()) as { tokens: TokenJson[] };
    expect(viaSession.tokens.map((x) => x.id)).toContain(body.id);
  });

  it("POST with any Authorization header is refused (403), valid token or not, and writes nothing", async () => {
    const valid = await tokenFor("dataScientist", "would-be minter");
    as(org.users.dataScientist.claims); // a cookie as well does not help
    for (const headers of [bearer(valid.token), bearer("nonsense"), { authorization: "Basic Zm9vOmJhcg==" }]) {
      await expectNothingWritten(async () => {
        const res = await post({ name: "minted by a token" }, headers);
        expect(res.status).toBe(403);
        expect(((await res.json()) as { error: string }).error).toBe(
          "API tokens cannot create tokens; sign in to Ferry in a browser and create one on your account page.",
        );
      });
    }
  });

  it("refuses cross-site POSTs made with the session cookie", async () => {
    as(org.users.dataScientist.claims);
    await expectNothingWritten(async () => {
      expect((await post({ name: "csrf" }, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    });
  });

  it("answers 401 without a session or token, and writes nothing", async () => {
    await expectNothingWritten(async () => {
      const res = await post({ name: "anonymous" });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect((await list()).status).toBe(401);
      expect((await revoke(crypto.randomUUID())).status).toBe(401);
      expect((await list(bearer(`ferry_${"x".repeat(43)}`))).status).toBe(401);
      expect((await list({ authorization: "Token abc" })).status).toBe(401);
    });
  });

  it("answers 400 (or 415) with a message for bad input, and writes nothing", async () => {
    as(org.users.dataScientist.claims);
    const cases: [unknown, number, RegExp][] = [
      ["{not json", 400, /not valid JSON/],
      ["", 400, /not valid JSON/],
      ['"just a string"', 400, /must be a JSON object/],
      [[{ name: "x" }], 400, /must be a JSON object/],
      [{}, 400, /name: Enter a name for the token\./],
      [{ name: 42 }, 400, /name: Enter a name for the token\./],
      [{ name: "   " }, 400, /name: Enter a name/],
      [{ name: "n".repeat(101) }, 400, /100 characters/],
    ];
    for (const [body, status, message] of cases) {
      await expectNothingWritten(async () => {
        const res = await post(body);
        expect(res.status, JSON.stringify(body)).toBe(status);
        expect(((await res.json()) as { error: string }).error).toMatch(message);
      });
    }
    await expectNothingWritten(async () => {
      const res = await tokensRoute.POST(new Request(BASE, { method: "POST", headers: { "content-type": "text/plain" }, body: '{"name":"x"}' }));
      expect(res.status).toBe(415);
      const huge = await post({ name: "x", padding: "p".repeat(20_000) });
      expect(huge.status).toBe(413);
    });
  });

  it("POST reports a duplicate name with a clear message (409)", async () => {
    as(org.users.manager.claims);
    expect((await post({ name: "Notebook" })).status).toBe(201);
    await expectNothingWritten(async () => {
      const res = await post({ name: "notebook" });
      expect(res.status).toBe(409);
      expect(await res.json()).toEqual({ error: 'You already have an active token named "notebook". Choose another name, or revoke that token first.' });
    });
  });

  it("DELETE revokes one's own token (with the token itself); it is refused (401) from then on", async () => {
    const created = await tokenFor("ops", "to revoke");
    const res = await revoke(created.id, bearer(created.token));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: created.id, name: "to revoke", revokedAt: expect.any(String) });
    const entries = await t.db.select().from(auditLog).where(and(eq(auditLog.subjectId, created.id), eq(auditLog.action, "token.revoke")));
    expect(entries).toEqual([expect.objectContaining({ actorId: org.users.ops.id, summary: expect.stringMatching(/revoked API token "to revoke" .* with the token itself$/) })]);
    const after = await list(bearer(created.token));
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ error: "This API token has been revoked." });
    // Revoking again, with a session, is a no-op success.
    as(org.users.ops.claims);
    await expectNothingWritten(async () => {
      expect((await revoke(created.id)).status).toBe(200);
    });
  });

  it("DELETE of someone else's token is 404 and writes nothing, with a token or a session (admins too)", async () => {
    const victim = await tokenFor("dataScientist", "victim");
    const attacker = await tokenFor("outsider", "attacker");
    await expectNothingWritten(async () => {
      const res = await revoke(victim.id, bearer(attacker.token));
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "API token not found." });
      as(org.users.admin.claims);
      expect((await revoke(victim.id)).status).toBe(404);
      expect((await revoke("not-a-uuid")).status).toBe(404);
    });
    as(null);
    expect((await list(bearer(victim.token))).status).toBe(200);
  });

  it("refuses the token of a deactivated user (401)", async () => {
    const fresh = await createFixtureOrg(t.db);
    const created = await createApiToken(t.db, await resolveActor(t.db, fresh.users.dataScientist.claims), { name: "soon orphaned" });
    expect((await list(bearer(created.token))).status).toBe(200);
    await t.db.update(users).set({ active: false }).where(eq(users.id, fresh.users.dataScientist.id));
    const res = await list(bearer(created.token));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "This account has been deactivated. Ask an admin to reactivate it." });
  });
});
