import { dataDir, demoEnabled, env, isBuildPhase } from "@/lib/env";
import { openDatabase, type Database, type DatabaseConfig, type Db, type DbKind } from "./client";
import { isEmpty, seedDemo } from "./seed";

export type { Db, DbKind, Tx } from "./client";
export { queryRows } from "./client";

// Next.js may load this module more than once per process (one copy per bundle layer), and PGlite
// must be opened once per process: keep the single instance on globalThis.
const KEY = Symbol.for("ferry.database");
type GlobalWithDb = typeof globalThis & { [KEY]?: Promise<Database> };

export function configFromEnv(): DatabaseConfig {
  return env.DATABASE_URL ? { kind: "postgres", url: env.DATABASE_URL } : { kind: "pglite", dataDir };
}

function log(msg: string) {
  if (!env.FERRY_LOG_QUIET) console.log(`[ferry] ${msg}`);
}

async function start(): Promise<Database> {
  if (isBuildPhase) throw new Error("The database must not be opened during `next build`.");
  const started = Date.now();
  const database = await openDatabase(configFromEnv(), log);
  if (demoEnabled && (await isEmpty(database.db))) {
    log("Empty database: creating the demo organisation (admin@ferry.dev, ds@, mle@, ops@, manager@ — password ferry-demo)…");
    await seedDemo(database.db);
  }
  log(`Database ready (${database.kind}) in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return database;
}

export function getDatabase(): Promise<Database> {
  const g = globalThis as GlobalWithDb;
  if (!g[KEY]) {
    g[KEY] = start();
    // A failed start must not be cached forever: the next request tries again.
    g[KEY].catch(() => {
      delete g[KEY];
    });
  }
  return g[KEY];
}

export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}

export async function getDbKind(): Promise<DbKind> {
  return (await getDatabase()).kind;
}
