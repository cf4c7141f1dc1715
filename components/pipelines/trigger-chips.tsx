import { Activity, CalendarClock, Database, Hand, PauseCircle } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { formatTick } from "./format";

export interface TriggerChipData {
  kind: "dataset_version" | "schedule" | "drift_alert";
  cron: string | null;
  /** The next tick of a schedule (null when the pipeline is disabled). */
  nextAt: string | null;
}

/** What starts a pipeline by itself, as chips: "New data", "Cron 0 3 * * * · next 03:00 UTC", "Drift alert", "Disabled". */
export function TriggerChips({ triggers, enabled, now }: { triggers: TriggerChipData[]; enabled: boolean; now?: number }) {
  return (
    <span className="flex flex-wrap gap-1.5">
      {!enabled && (
        <Badge tone="amber" className="gap-1">
          <PauseCircle className="size-3.5" aria-hidden /> Disabled
        </Badge>
      )}
      {triggers.map((t) => (
        <TriggerChip key={t.kind} trigger={t} enabled={enabled} now={now} />
      ))}
      {triggers.length === 0 && (
        <Badge className="gap-1">
          <Hand className="size-3.5" aria-hidden /> Manual only
        </Badge>
      )}
    </span>
  );
}

function TriggerChip({ trigger, enabled, now }: { trigger: TriggerChipData; enabled: boolean; now?: number }) {
  const tone = enabled ? "brand" : "neutral";
  if (trigger.kind === "dataset_version") {
    return (
      <Badge tone={tone} className="gap-1">
        <Database className="size-3.5" aria-hidden /> New data
      </Badge>
    );
  }
  if (trigger.kind === "drift_alert") {
    return (
      <Badge tone={tone} className="gap-1">
        <Activity className="size-3.5" aria-hidden /> Drift alert
      </Badge>
    );
  }
  return (
    <Badge tone={tone} className="gap-1">
      <CalendarClock className="size-3.5" aria-hidden />
      <span>
        Cron <span className="font-mono">{trigger.cron}</span>
        {trigger.nextAt && <> · next {formatTick(trigger.nextAt, now)}</>}
      </span>
    </Badge>
  );
}
