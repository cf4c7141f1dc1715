import { CircleCheck, CircleDashed, OctagonAlert, TriangleAlert } from "lucide-react";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { Health } from "@/lib/monitoring/health-rules";

export const healthLabels: Record<Health, string> = { critical: "Critical", warning: "Warning", "no data": "No data", healthy: "Healthy" };
const tones: Record<Health, BadgeTone> = { critical: "red", warning: "amber", "no data": "neutral", healthy: "green" };
const icons = { critical: OctagonAlert, warning: TriangleAlert, "no data": CircleDashed, healthy: CircleCheck } as const;

/** Colour, icon and word: the state reads without colour too. */
export function HealthBadge({ health, className }: { health: Health; className?: string }) {
  const Icon = icons[health];
  return (
    <Badge tone={tones[health]} className={`gap-1 ${className ?? ""}`}>
      <Icon className="size-3.5" aria-hidden />
      {healthLabels[health]}
    </Badge>
  );
}

export function HealthIcon({ health, className }: { health: Health; className?: string }) {
  const Icon = icons[health];
  return <Icon className={className} aria-hidden />;
}
