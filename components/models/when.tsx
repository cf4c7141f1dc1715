import { formatDateTime, formatRelative } from "@/lib/format";

/** A moment as the app shows it: relative ("3 hours ago") with the absolute time, visible or as a tooltip. */
export function When({ iso, absolute = false }: { iso: string; absolute?: boolean }) {
  return (
    <time dateTime={iso} title={formatDateTime(iso)} suppressHydrationWarning>
      {formatRelative(iso)}
      {absolute && <span className="text-slate-500"> ({formatDateTime(iso)})</span>}
    </time>
  );
}
