import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import * as schema from "./schema";
import { acquireLock } from "./lock";

export type Schema = typeof schema;
/** What every layer above the factory sees: a Postgres-dialect Drizzle database, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbKind = "pglite" | "postgres";

export type DatabaseConfig =
  | { kind: "pglite"; dataDir: string | null } // null: in memory (tests)
  | { kind: "postgres"; url: string; poolSize?: number };

export interface Database {
  db: Db;
  kind: DbKind;
  close: () => Promise<void>;
}

export const migrationsFolder = path.join(process.cwd(), "db", "migrations");

const MIGRATION_LOCK_KEY = 7_305_221; // arbitrary, fixed: serialises migrations across processes on PostgreSQL

export async function openDatabase(config: DatabaseConfig, log: (msg: string) => void = () => {}): Promise<Database> {
  if (config.kind === "pglite") return openPglite(config.dataDir, log);
  return openPostgres(config.url, config.poolSize ?? 10, log);
}

async function openPglite(dataDir: string | null, log: (msg: string) => void): Promise<Database> {
  let release = () => {};
  let client: PGlite;
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true });
    release = acquireLock(path.join(dataDir, "pglite.lock"));
    const dbDir = path.join(dataDir, "pglite");
    const fresh = !fs.existsSync(path.join(dbDir, "PG_VERSION"));
    log(
      fresh
        ? `Creating the embedded PostgreSQL (PGlite) in ${dbDir}: the first start takes ~15 s and ~800 MB of memory…`
        : `Opening the embedded PostgreSQL (PGlite) in ${dbDir}…`,
    );
    client = new PGlite(dbDir);
  } else {
    client = new PGlite();
  }
  try {
    await client.waitReady;
    const db = drizzlePglite({ client, schema });
    log("Applying database migrations…");
    await migratePglite(db, { migrationsFolder });
    return {
      db: db as unknown as Db,
      kind: "pglite",
      close: async () => {
        await client.close();
        release();
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}

async function openPostgres(url: string, poolSize: number, log: (msg: string) => void): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  pool.on("error", (e) => console.error("[ferry] idle PostgreSQL connection failed:", e.message));
  log(`Connecting to PostgreSQL at ${redactUrl(url)}…`);
  try {
    const db = drizzlePg({ client: pool, schema });
    const lockClient = await pool.connect();
    try {
      await lockClient.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
      log("Applying database migrations…");
      await migratePg(db, { migrationsFolder });
    } finally {
      await lockClient.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
      lockClient.release();
    }
    return { db: db as unknown as Db, kind: "postgres", close: () => pool.end() };
  } catch (e) {
    await pool.end().catch(() => {});
    throw e;
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** Rows of a raw SQL query, on either driver (both answer `{ rows }`). Numbers of type int8 may arrive as strings. */
export async function queryRows<T>(db: Db | Tx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
