import { CircleAlert, CircleCheck, CircleMinus, CircleX } from "lucide-react";
import { Badge, type BadgeTone } from "@/components/ui/badge";

type Status = "pass" | "warn" | "fail" | "none" | "skipped";

const look: Record<Status, { tone: BadgeTone; label: string; icon: typeof CircleCheck }> = {
  pass: { tone: "green", label: "Passed", icon: CircleCheck },
  warn: { tone: "amber", label: "Warnings", icon: CircleAlert },
  fail: { tone: "red", label: "Failed", icon: CircleX },
  none: { tone: "neutral", label: "No rules", icon: CircleMinus },
  skipped: { tone: "neutral", label: "Not checked", icon: CircleMinus },
};

/** Validation outcome, with an icon so it does not rely on colour alone. */
export function ValidationBadge({ status, label }: { status: Status; label?: string }) {
  const { tone, label: fallback, icon: Icon } = look[status];
  return (
    <Badge tone={tone} className="gap-1">
      <Icon className="size-3.5" aria-hidden />
      {label ?? fallback}
    </Badge>
  );
}
