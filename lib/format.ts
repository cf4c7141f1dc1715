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
