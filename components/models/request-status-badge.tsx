import { CircleCheck, CircleMinus, CircleX, Clock, ShieldAlert } from "lucide-react";
import { Badge, type BadgeTone } from "@/components/ui/badge";

export type RequestStatus = "pending" | "blocked" | "approved" | "rejected" | "void";

const look: Record<RequestStatus, { tone: BadgeTone; label: string; icon: typeof CircleCheck }> = {
  pending: { tone: "amber", label: "Pending approval", icon: Clock },
  blocked: { tone: "red", label: "Blocked by gates", icon: ShieldAlert },
  approved: { tone: "green", label: "Approved", icon: CircleCheck },
  rejected: { tone: "red", label: "Rejected", icon: CircleX },
  void: { tone: "neutral", label: "Void", icon: CircleMinus },
};

export const requestStatusLabels: Record<RequestStatus, string> = Object.fromEntries(
  Object.entries(look).map(([k, v]) => [k, v.label]),
) as Record<RequestStatus, string>;

/** A promotion request's status, with an icon so it does not rely on colour alone. */
export function RequestStatusBadge({ status }: { status: RequestStatus }) {
  const { tone, label, icon: Icon } = look[status] ?? look.void;
  return (
    <Badge tone={tone} className="gap-1">
      <Icon className="size-3.5" aria-hidden />
      {label}
    </Badge>
  );
}
