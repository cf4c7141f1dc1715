import { format, formatDistanceToNowStrict } from "date-fns";

export function formatDate(d: Date | string): string {
  return format(new Date(d), "d MMM yyyy");
}

export function formatDateTime(d: Date | string): string {
  return format(new Date(d), "d MMM yyyy, HH:mm");
}

export function formatRelative(d: Date | string, now: Date = new Date()): string {
  const date = new Date(d);
  if (Math.abs(now.getTime() - date.getTime()) < 45_000) return "just now";
  return formatDistanceToNowStrict(date, { addSuffix: true });
}

const byteUnits = ["B", "kB", "MB", "GB", "TB"];

/** Decimal units (1 MB = 1,000,000 bytes), as upload limits are configured. */
export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < byteUnits.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${byteUnits[unit]}`;
}

const integer = new Intl.NumberFormat("en-US");
export function formatCount(n: number): string {
  return integer.format(n);
}

/** Up to 4 significant digits, plain notation for everyday magnitudes. */
export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "∞" : "−∞";
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-4)) return n.toExponential(3);
  if (Number.isInteger(n)) return integer.format(n);
  return new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4 }).format(n);
}

export function formatPercent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}
