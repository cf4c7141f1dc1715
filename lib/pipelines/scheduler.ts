import "server-only";
import crypto from "node:crypto";
import os from "node:os";
import { sql } from "drizzle-orm";
import { queryRows, type Db } from "@/db";
import { advancePipelineRuns, fireTriggers } from "./engine";
import { onPipelinePoke } from "./events";

// The pipeline scheduler runs inside the server process. With several server processes on one
// PostgreSQL, one of them holds the lease (a row in scheduler_leases) and does the work; the others
// take over only when it has stopped renewing. The trigger firing is safe on its own too (a row lock
// and a unique key per trigger event): the lease keeps the others from even trying.

export const LEASE = "pipelines";

export interface SchedulerOptions {
  tickMs: number;
  /** How long a lease lasts without renewal; another process takes over after this. */
  leaseMs: number;
  holder?: string;
  now?: () => Date;
  log?: (line: string) => void;
}

/** Takes the lease, or renews it if held; true when this holder has it until `leaseMs` from now. */
export async function acquireLease(db: Db, holder: string, leaseMs: number, name = LEASE): Promise<boolean> {
  const rows = await queryRows<{ holder: string }>(
    db,
    sql`insert into scheduler_leases (name, holder, expires_at, acquired_at) values (${name}, ${holder}, now() + ${`${leaseMs} milliseconds`}::interval, now())
        on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at,
          acquired_at = case when scheduler_leases.holder = excluded.holder then scheduler_leases.acquired_at else now() end
        where scheduler_leases.holder = excluded.holder or scheduler_leases.expires_at < now()
        returning holder`,
  );
  return rows[0]?.holder === holder;
}

export async function releaseLease(db: Db, holder: string, name = LEASE): Promise<void> {
  await db.execute(sql`delete from scheduler_leases where name = ${name} and holder = ${holder}`);
}

/** One pass: fire due triggers, then move runs on. Only while holding the lease. */
export async function tick(db: Db, o: Pick<SchedulerOptions, "leaseMs" | "now" | "log"> & { holder: string }): Promise<{ leader: boolean; fired: number; moved: number }> {
  if (!(await acquireLease(db, o.holder, o.leaseMs))) return { leader: false, fired: 0, moved: 0 };
  const fired = await fireTriggers(db, o.now?.() ?? new Date());
  for (const f of fired) o.log?.(`[ferry] pipeline trigger ${f.trigger} fired: pipeline run ${f.pipelineRunId}`);
  const moved = await advancePipelineRuns(db, () => acquireLease(db, o.holder, o.leaseMs));
  return { leader: true, fired: fired.length, moved };
}

export interface SchedulerHandle {
  holder: string;
  stop: () => Promise<void>;
  /** Resolves after the next whole pass (tests). */
  pass: () => Promise<void>;
}

/**
 * Starts ticking every `tickMs`, and at once when poked (pokePipelines). The first pass runs at once:
 * schedules missed while the server was down fire then, once each.
 */
export function startScheduler(db: Db, o: SchedulerOptions): SchedulerHandle {
  const holder = o.holder ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString("hex")}`;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let waiters: (() => void)[] = [];
  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = tick(db, { ...o, holder })
      .then(() => undefined)
      .catch((e) => console.error("[ferry] pipeline scheduler pass failed:", e))
      .finally(() => {
        running = null;
        const w = waiters;
        waiters = [];
        for (const f of w) f();
        if (again) {
          again = false;
          setTimeout(run, 20).unref();
        }
      });
  };
  const timer = setInterval(run, o.tickMs);
  timer.unref();
  const off = onPipelinePoke(() => setTimeout(run, 20).unref());
  setTimeout(run, 0).unref();
  return {
    holder,
    pass: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        run();
      }).then(() => new Promise<void>((resolve) => (waiters.push(resolve), run()))),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      off();
      if (running) await running;
      await releaseLease(db, holder).catch(() => {});
    },
  };
}

const key = Symbol.for("ferry.pipelineScheduler");
const g = globalThis as unknown as Record<symbol, SchedulerHandle | undefined>;

/** The server's scheduler (lib/startup.ts): one per process. */
export function startPipelineScheduler(db: Db, tickMs: number, leaseMs: number): SchedulerHandle {
  g[key] ??= startScheduler(db, { tickMs, leaseMs, log: (line) => console.log(line) });
  return g[key];
}
