import { Badge, type BadgeTone } from "@/components/ui/badge";

// The lifecycle of a run launched through Ferry (DESIGN §2.3): queued → scheduled → running →
// succeeded | failed | cancelled | lost.

export type JobStatus = "queued" | "scheduled" | "running" | "succeeded" | "failed" | "cancelled" | "lost";

const tones: Record<JobStatus, BadgeTone> = {
  queued: "neutral",
  scheduled: "violet",
  running: "brand",
  succeeded: "green",
  failed: "red",
  cancelled: "amber",
  lost: "red",
};

export const jobStatusLabels: Record<JobStatus, string> = {
  queued: "Queued",
  scheduled: "Scheduled",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
  lost: "Lost",
};

export const activeJobStatuses: readonly JobStatus[] = ["queued", "scheduled", "running"];

export function isJobActive(status: string): boolean {
  return (activeJobStatuses as readonly string[]).includes(status);
}

/** `cancelling`: a cancel was requested and the agent has not stopped the job yet. */
export function JobStatusBadge({ status, cancelling = false }: { status: string; cancelling?: boolean }) {
  const s = status as JobStatus;
  if (cancelling && isJobActive(s)) return <Badge tone="amber">Cancelling…</Badge>;
  return (
    <Badge tone={tones[s] ?? "neutral"}>
      {s === "running" && <span className="mr-1 size-1.5 animate-pulse rounded-full bg-brand-600" aria-hidden />}
      {jobStatusLabels[s] ?? status}
    </Badge>
  );
}
