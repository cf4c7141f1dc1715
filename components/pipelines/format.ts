import { formatDuration } from "@/components/runs/format";

// Words for pipelines and their runs, shared by the pipeline pages, the run page and the model page.

export type RunTrigger = "dataset_version" | "schedule" | "drift_alert" | "manual" | "api";

export const runTriggerLabels: Record<RunTrigger, string> = {
  dataset_version: "New data",
  schedule: "Schedule",
  drift_alert: "Drift alert",
  manual: "Manual",
  api: "API",
};

/** "3 of 4 (75%)" over the last 30 days, or a dash with none finished. */
export function formatSuccessRate(succeeded: number, finished: number): string {
  if (finished === 0) return "No finished runs";
  return `${succeeded} of ${finished} (${Math.round((succeeded / finished) * 100)}%)`;
}

/** A step's or run's duration from ISO times; an open one counts to `now`. */
export function formatSpan(startedAt: string | null, finishedAt: string | null, now = Date.now()): string | null {
  if (!startedAt) return null;
  return formatDuration(Date.parse(startedAt), finishedAt ? Date.parse(finishedAt) : null, now);
}

const dayMonth = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "short" });

/** A cron tick as people read schedules: "03:00 UTC", with the day when it is not within a day. */
export function formatTick(iso: string, now = Date.now()): string {
  const d = new Date(iso);
  const time = `${iso.slice(11, 16)} UTC`;
  return d.getTime() - now < 86_400_000 ? time : `${dayMonth.format(d)}, ${time}`;
}
