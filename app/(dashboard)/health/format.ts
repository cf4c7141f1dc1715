import { formatNumber, formatPercent } from "@/lib/format";

// Words and numbers of the model-health page (pure: used by its server components).

/** Hours as "35 min", "4 h", "2.5 d"; "—" when there is nothing to measure. */
export function formatHours(h: number | null): string {
  if (h === null) return "—";
  if (h < 1) return `${Math.max(1, Math.round(h * 60))} min`;
  if (h < 48) return `${formatNumber(Number(h.toFixed(1)))} h`;
  return `${formatNumber(Number((h / 24).toFixed(1)))} d`;
}

export function formatRate(r: number | null): string {
  return r === null ? "—" : formatPercent(r, 0);
}

export function formatPerDay(n: number): string {
  return n === 0 ? "0" : formatNumber(Number(n.toFixed(2)));
}

/** What the sparkline says to a screen reader: first and last labelled day, and the training value. */
export function sparklineLabel(points: { accuracy: number | null }[], baseline: number | null): string {
  const values = points.map((p) => p.accuracy).filter((v): v is number => v !== null);
  if (values.length === 0) return "No labelled predictions in the last 14 days";
  const trend = values.length === 1 ? `${formatPercent(values[0]!)}` : `from ${formatPercent(values[0]!)} to ${formatPercent(values.at(-1)!)}`;
  return `Daily accuracy over the last 14 days, ${trend} on ${values.length} labelled day${values.length === 1 ? "" : "s"}${baseline === null ? "" : `; training accuracy ${formatPercent(baseline)}`}`;
}
