import { Badge } from "@/components/ui/badge";
import { formatDateTime, formatRelative } from "@/lib/format";

/** Online when the agent heartbeated recently; with when it was last seen. */
export function ClusterStatusBadge({ online, lastSeenAt, stacked = false }: { online: boolean; lastSeenAt: string | null; stacked?: boolean }) {
  return (
    <span className={stacked ? "inline-flex flex-col items-start gap-1" : "inline-flex flex-wrap items-center gap-x-2 gap-y-1"}>
      {lastSeenAt === null ? (
        <Badge tone="amber">Awaiting agent</Badge>
      ) : (
        <Badge tone={online ? "green" : "neutral"}>
          <span className={online ? "mr-1 size-1.5 rounded-full bg-emerald-500" : "mr-1 size-1.5 rounded-full bg-slate-400"} aria-hidden />
          {online ? "Online" : "Offline"}
        </Badge>
      )}
      <span className="text-xs whitespace-nowrap text-slate-500">
        {lastSeenAt ? (
          <>
            last seen{" "}
            <time dateTime={lastSeenAt} title={formatDateTime(lastSeenAt)} suppressHydrationWarning>
              {formatRelative(lastSeenAt)}
            </time>
          </>
        ) : (
          "no agent has connected yet"
        )}
      </span>
    </span>
  );
}
