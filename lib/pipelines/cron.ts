import { CronExpressionParser } from "cron-parser";

// Cron schedules of pipeline triggers: five fields (minute hour day-of-month month day-of-week), in UTC.

export const CRON_HELP = 'Five fields — minute hour day-of-month month day-of-week, in UTC — e.g. "0 3 * * *" for 03:00 every day or "*/30 * * * *" every 30 minutes.';

/** Null when `expr` is a five-field cron expression, else what is wrong with it, for people. */
export function cronProblem(expr: string): string | null {
  const fields = expr.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    return `"${expr.trim()}" is not a cron expression: it has ${fields.length} field${fields.length === 1 ? "" : "s"}, a schedule needs 5. ${CRON_HELP}`;
  }
  try {
    CronExpressionParser.parse(fields.join(" "), { tz: "UTC" });
    return null;
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/\.$/, "") : "it does not parse";
    return `"${expr.trim()}" is not a cron expression (${why}). ${CRON_HELP}`;
  }
}

/** The first tick strictly after `from`. */
export function nextTick(expr: string, from: Date): Date {
  return CronExpressionParser.parse(expr, { tz: "UTC", currentDate: from }).next().toDate();
}

/**
 * The latest tick in (after, now], or null when none is due: however many ticks were missed (the
 * server was down), a schedule fires once, for the latest.
 */
export function dueTick(expr: string, after: Date, now: Date): Date | null {
  const first = nextTick(expr, after);
  if (first.getTime() > now.getTime()) return null;
  // prev() from just after `now` finds the latest tick ≤ now without walking every missed tick.
  const latest = CronExpressionParser.parse(expr, { tz: "UTC", currentDate: new Date(now.getTime() + 1) }).prev().toDate();
  return latest.getTime() > after.getTime() ? latest : first;
}
