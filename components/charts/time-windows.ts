import { format } from "date-fns";
import { formatDate, formatDateTime } from "@/lib/format";

// Time labels of monitoring windows (UTC hours or days, or batches from their first to their last
// prediction), in the app's formats (lib/format.ts), shared by the charts and the heatmap.

export type TimeWindowKind = "hour" | "day" | "batch";

/** A window as the tooltips show it: "26 Nov 2026, 10:00–11:00", "26 Nov 2026", or a batch's span. */
export function formatWindow(start: number | string, end: number | string, kind: TimeWindowKind): string {
  const s = new Date(start);
  const e = new Date(end);
  if (kind === "day") return formatDate(s);
  const sameDay = format(s, "yyyy-MM-dd") === format(e, "yyyy-MM-dd");
  if (kind === "batch" && s.getTime() === e.getTime()) return formatDateTime(s);
  return sameDay ? `${formatDateTime(s)}–${format(e, "HH:mm")}` : `${formatDateTime(s)} – ${formatDateTime(e)}`;
}

/** Axis ticks: times for hours and batches over short spans, days otherwise. */
export function tickFormatter(kind: TimeWindowKind, spanMs: number): (v: number) => string {
  if (kind === "day" || spanMs > 10 * 86_400_000) return (v) => format(new Date(v), "d MMM");
  if (spanMs <= 86_400_000) return (v) => format(new Date(v), "HH:mm");
  return (v) => format(new Date(v), "d MMM HH:mm");
}

/** Four decimals, as the rest of the app shows metrics; an em dash for none. */
export function four(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "−∞";
  // p-values can be far below 0.0001: written out rather than rounded to 0.0000.
  if (v !== 0 && Math.abs(v) < 0.0001) return v.toExponential(2);
  return v.toFixed(4);
}
