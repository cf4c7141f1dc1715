import { Ban, Circle, CircleCheck, CircleDashed, CircleX, Clock, Loader2, type LucideIcon } from "lucide-react";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { cn } from "@/lib/cn";

// Statuses of pipeline runs and of their steps, each with an icon and a word (never colour alone).

export type PipelineRunStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";
export type StepStatus = "pending" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";

interface Look {
  tone: BadgeTone;
  label: string;
  icon: LucideIcon;
}

const runLook: Record<PipelineRunStatus, Look> = {
  queued: { tone: "neutral", label: "Queued", icon: Clock },
  running: { tone: "brand", label: "Running", icon: Loader2 },
  succeeded: { tone: "green", label: "Succeeded", icon: CircleCheck },
  failed: { tone: "red", label: "Failed", icon: CircleX },
  cancelled: { tone: "amber", label: "Cancelled", icon: Ban },
};

const stepLook: Record<StepStatus, Look> = {
  pending: { tone: "neutral", label: "Pending", icon: Circle },
  running: { tone: "brand", label: "Running", icon: Loader2 },
  succeeded: { tone: "green", label: "Succeeded", icon: CircleCheck },
  failed: { tone: "red", label: "Failed", icon: CircleX },
  skipped: { tone: "neutral", label: "Skipped", icon: CircleDashed },
  cancelled: { tone: "amber", label: "Cancelled", icon: Ban },
};


function StatusBadge({ look, className }: { look: Look; className?: string }) {
  const Icon = look.icon;
  return (
    <Badge tone={look.tone} className={cn("gap-1", className)}>
      <Icon className={cn("size-3.5", Icon === Loader2 && "animate-spin motion-reduce:animate-none")} aria-hidden />
      {look.label}
    </Badge>
  );
}

export function PipelineRunStatusBadge({ status, className }: { status: string; className?: string }) {
  return <StatusBadge look={runLook[status as PipelineRunStatus] ?? { ...runLook.queued, label: status }} className={className} />;
}

export function StepStatusBadge({ status }: { status: string }) {
  return <StatusBadge look={stepLook[status as StepStatus] ?? { ...stepLook.pending, label: status }} />;
}

const iconTone: Record<StepStatus, string> = {
  pending: "bg-white text-slate-400 ring-slate-300",
  running: "bg-brand-50 text-brand-600 ring-brand-200",
  succeeded: "bg-emerald-50 text-emerald-600 ring-emerald-200",
  failed: "bg-red-50 text-red-600 ring-red-200",
  skipped: "bg-slate-50 text-slate-400 ring-slate-200",
  cancelled: "bg-amber-50 text-amber-600 ring-amber-200",
};

/** The round marker of a step on the run page's timeline (decorative: the badge beside it says the status). */
export function StepMarker({ status }: { status: string }) {
  const s = (status in stepLook ? status : "pending") as StepStatus;
  const Icon = stepLook[s].icon;
  return (
    <span className={cn("flex size-8 shrink-0 items-center justify-center rounded-full ring-1 ring-inset", iconTone[s])} aria-hidden>
      <Icon className={cn("size-4", s === "running" && "animate-spin motion-reduce:animate-none")} />
    </span>
  );
}
