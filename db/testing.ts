// Test databases: in-memory PGlite by default, or a fresh database on the PostgreSQL server named
// by DATABASE_URL (the test command runs the integration suite once each way).
import crypto from "node:crypto";
import { sql } from "drizzle-orm";
import pg from "pg";
import { env } from "@/lib/env";
import { openDatabase, type Database, type Db } from "./client";
import { memberships, projects, sessions, users } from "./schema";

export interface TestDatabase extends Database {
  /** Counts rows of the given tables, to prove a refused call wrote nothing. */
  counts: (...tables: string[]) => Promise<Record<string, number>>;
  /** PostgreSQL: the fresh database's URL, for test processes of their own. */
  url?: string;
}

export const testDbKind = env.DATABASE_URL ? "postgres" : "pglite";

export async function createTestDatabase(): Promise<TestDatabase> {
  let database: Database;
  let drop = async () => {};
  let testUrl: string | undefined;
  if (env.DATABASE_URL) {
    const name = `ferry_test_${crypto.randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: env.DATABASE_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(env.DATABASE_URL);
    url.pathname = `/${name}`;
    testUrl = url.toString();
    database = await openDatabase({ kind: "postgres", url: url.toString(), poolSize: 20 });
    drop = async () => {
      const c = new pg.Client({ connectionString: env.DATABASE_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  } else {
    database = await openDatabase({ kind: "pglite", dataDir: null });
  }
  const client = database;
  return {
    ...client,
    url: testUrl,
    close: async () => {
      await client.close();
      await drop();
    },
    counts: async (...tables) => {
      const out: Record<string, number> = {};
      for (const t of tables) {
        if (!/^[a-z_]+$/.test(t)) throw new Error(`bad table name ${t}`);
        const res = (await client.db.execute(sql.raw(`select count(*)::int as n from ${t}`))) as unknown as { rows: { n: number }[] };
        out[t] = Number(res.rows[0]?.n ?? 0);
      }
      return out;
    },
  };
}

export type FixturePerson = "admin" | "dataScientist" | "mlEngineer" | "ops" | "manager" | "outsider" | "orgOpsOutsider";

export interface FixtureUser {
  id: string;
  email: string;
  claims: { sessionId: string };
}

/**
 * A small organisation: one user per persona in project "alpha", an admin (not a member), an
 * outsider with no membership, and an org-role-ops user with no membership. Each has a live
 * session. Password hashes are placeholders: these users sign in through sessions, not passwords.
 */
export async function createFixtureOrg(db: Db, tag = crypto.randomBytes(3).toString("hex")) {
  const people: Record<FixturePerson, { isAdmin?: boolean; orgRole?: "member" | "ops"; persona?: "data_scientist" | "ml_engineer" | "ops" | "manager" }> = {
    admin: { isAdmin: true },
    dataScientist: { persona: "data_scientist" },
    mlEngineer: { persona: "ml_engineer" },
    ops: { orgRole: "ops", persona: "ops" },
    manager: { persona: "manager" },
    outsider: {},
    orgOpsOutsider: { orgRole: "ops" },
  };
  const [project] = await db
    .insert(projects)
    .values({ slug: `alpha-${tag}`, name: `Alpha ${tag}`, description: "fixture" })
    .returning({ id: projects.id, slug: projects.slug, name: projects.name });
  if (!project) throw new Error("fixture project");
  const out = {} as Record<FixturePerson, FixtureUser>;
  for (const [key, p] of Object.entries(people) as [FixturePerson, (typeof people)[FixturePerson]][]) {
    const email = `${key.toLowerCase()}-${tag}@test.ferry`;
    const [u] = await db
      .insert(users)
      .values({ email, name: key, passwordHash: "x", isAdmin: p.isAdmin ?? false, orgRole: p.orgRole ?? "member" })
      .returning({ id: users.id });
    if (!u) throw new Error("fixture user");
    if (p.persona) await db.insert(memberships).values({ projectId: project.id, userId: u.id, persona: p.persona });
    const sessionId = crypto.randomBytes(24).toString("base64url");
    await db.insert(sessions).values({ id: sessionId, userId: u.id, expiresAt: new Date(Date.now() + 3_600_000) });
    out[key] = { id: u.id, email, claims: { sessionId } };
  }
  return { project, users: out, tag };
}
