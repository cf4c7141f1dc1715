import { Badge, type BadgeTone } from "@/components/ui/badge";

const tones: Record<string, BadgeTone> = { RUNNING: "brand", SCHEDULED: "violet", FINISHED: "green", FAILED: "red", KILLED: "amber" };
const labels: Record<string, string> = { RUNNING: "Running", SCHEDULED: "Scheduled", FINISHED: "Finished", FAILED: "Failed", KILLED: "Killed" };

export function RunStatusBadge({ status }: { status: string }) {
  return (
    <Badge tone={tones[status] ?? "neutral"}>
      {status === "RUNNING" && <span className="mr-1 size-1.5 animate-pulse rounded-full bg-brand-600" aria-hidden />}
      {labels[status] ?? status}
    </Badge>
  );
}
