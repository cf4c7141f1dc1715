import { formatNumber } from "@/lib/format";

/** A run's duration: "1 h 4 min", "3 min 20 s", "12 s"; open-ended runs count to now. */
export function formatDuration(startMs: number, endMs: number | null, now = Date.now()): string {
  const s = Math.max(0, Math.round(((endMs ?? now) - startMs) / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Metric values as MLflow shows them, NaN and infinities included. */
export function formatMetric(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return "—";
  const n = typeof v === "number" ? v : Number(v);
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "Infinity";
  if (n === -Infinity) return "-Infinity";
  return formatNumber(n);
}
