"use client";

import { BellRing, CheckCircle2 } from "lucide-react";
import Link from "next/link";
import { useActionState, useState } from "react";
import { When } from "@/components/models/when";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { acknowledgeAlertAction, resolveAlertAction } from "@/lib/monitoring/actions";

/** One alert as the page passes it down: times as ISO strings, people as emails. */
export interface AlertView {
  id: string;
  kind: "drift" | "performance";
  status: "open" | "acknowledged" | "resolved";
  summary: string;
  occurrences: number;
  openedAt: string;
  lastSeenAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  /** Null: resolved by itself, when the next data was within the threshold (or by a user since deleted). */
  resolvedBy: string | null;
  resolution: string | null;
}

interface AlertsCardProps {
  projectSlug: string;
  modelName: string;
  /** Open and acknowledged alerts, newest first. */
  unresolved: AlertView[];
  /** The last resolved alerts, newest first. */
  resolved: AlertView[];
  canEdit: boolean;
  settingsHref: string;
}

// Performance below a gate minimum is the graver of the two (as on the Model health page).
const kindBadge: Record<AlertView["kind"], { tone: BadgeTone; label: string }> = {
  drift: { tone: "amber", label: "Drift" },
  performance: { tone: "red", label: "Performance" },
};
const statusBadge: Record<Exclude<AlertView["status"], "resolved">, { tone: BadgeTone; label: string }> = {
  open: { tone: "neutral", label: "Open" },
  acknowledged: { tone: "brand", label: "Acknowledged" },
};

export function AlertsCard({ projectSlug, modelName, unresolved, resolved, canEdit, settingsHref }: AlertsCardProps) {
  return (
    <Card label="Alerts">
      <CardHeader
        title="Alerts"
        description="A batch that drifts beyond its thresholds, or labelled performance of the last 24 hours below a gate minimum, opens an alert; data back within the thresholds resolves it."
        actions={
          <Link href={settingsHref} className="text-sm font-medium text-brand-700 hover:underline">
            Webhook
          </Link>
        }
      />
      {unresolved.length === 0 ? (
        <p className="flex items-center gap-2 px-5 py-4 text-sm text-slate-600" data-testid="no-alerts">
          <CheckCircle2 className="size-4 shrink-0 text-emerald-600" aria-hidden />
          No alerts: drift and performance are within their thresholds.
        </p>
      ) : (
        <ul className="divide-y divide-slate-100" aria-label="Unresolved alerts">
          {unresolved.map((a) => (
            <UnresolvedAlert key={a.id} alert={a} projectSlug={projectSlug} modelName={modelName} canEdit={canEdit} />
          ))}
        </ul>
      )}
      {resolved.length > 0 && (
        <div className="border-t border-slate-100 px-5 py-4">
          <h3 className="text-sm font-semibold text-slate-900">Recently resolved</h3>
          <ul className="mt-2 divide-y divide-slate-100" aria-label="Resolved alerts">
            {resolved.map((a) => (
              <ResolvedAlert key={a.id} alert={a} />
            ))}
          </ul>
        </div>
      )}
    </Card>
  );
}

function UnresolvedAlert({ alert, projectSlug, modelName, canEdit }: { alert: AlertView; projectSlug: string; modelName: string; canEdit: boolean }) {
  const status = statusBadge[alert.status === "resolved" ? "open" : alert.status];
  return (
    <li className="flex flex-wrap items-start justify-between gap-x-6 gap-y-3 px-5 py-4" data-testid={`alert-${alert.kind}`}>
      <div className="min-w-0 flex-1 space-y-1">
        <p className="flex flex-wrap items-center gap-2">
          <BellRing className="size-4 shrink-0 text-slate-400" aria-hidden />
          <Badge tone={kindBadge[alert.kind].tone}>{kindBadge[alert.kind].label}</Badge>
          <Badge tone={status.tone}>{status.label}</Badge>
        </p>
        <p className="text-sm break-words text-slate-800">{alert.summary}</p>
        <p className="text-xs text-slate-500">
          Opened <When iso={alert.openedAt} />, last seen <When iso={alert.lastSeenAt} /> · {alert.occurrences} {alert.occurrences === 1 ? "occurrence" : "occurrences"}
          {alert.acknowledgedAt && (
            <>
              {" "}
              · acknowledged <When iso={alert.acknowledgedAt} />
              {alert.acknowledgedBy ? ` by ${alert.acknowledgedBy}` : ""}
            </>
          )}
        </p>
      </div>
      {canEdit && (
        <div className="flex flex-wrap items-start justify-end gap-2">
          {alert.status === "open" && <AcknowledgeAlert projectSlug={projectSlug} modelName={modelName} alert={alert} />}
          <ResolveAlert projectSlug={projectSlug} modelName={modelName} alert={alert} />
        </div>
      )}
    </li>
  );
}

function ResolvedAlert({ alert }: { alert: AlertView }) {
  const by = alert.resolvedBy ? `by ${alert.resolvedBy}` : "automatically";
  return (
    <li className="space-y-0.5 py-2.5" data-testid="resolved-alert">
      <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
        <Badge tone={kindBadge[alert.kind].tone}>{kindBadge[alert.kind].label}</Badge>
        <span className="min-w-0 break-words">{alert.summary}</span>
      </p>
      <p className="text-xs text-slate-500">
        Opened <When iso={alert.openedAt} />
        {alert.resolvedAt && (
          <>
            , resolved <When iso={alert.resolvedAt} />
          </>
        )}{" "}
        {by}
        {alert.resolution ? `: ${alert.resolution}` : ""}
      </p>
    </li>
  );
}

function errorOf(state: ActionState): string | null {
  if (state.status !== "error") return null;
  return Object.values(state.fieldErrors ?? {})[0]?.[0] ?? state.message ?? null;
}

function Hidden({ projectSlug, modelName, alertId }: { projectSlug: string; modelName: string; alertId: string }) {
  return (
    <>
      <input type="hidden" name="projectSlug" value={projectSlug} />
      <input type="hidden" name="modelName" value={modelName} />
      <input type="hidden" name="alertId" value={alertId} />
    </>
  );
}

function AcknowledgeAlert({ projectSlug, modelName, alert }: { projectSlug: string; modelName: string; alert: AlertView }) {
  const [state, action] = useActionState<ActionState, FormData>(acknowledgeAlertAction, idleState);
  const error = errorOf(state);
  return (
    <form action={action} className="flex flex-col items-end gap-1">
      <Hidden projectSlug={projectSlug} modelName={modelName} alertId={alert.id} />
      <SubmitButton variant="secondary" size="sm" pendingLabel="Acknowledging…" aria-label={`Acknowledge the ${alert.kind} alert`}>
        Acknowledge
      </SubmitButton>
      {error && (
        <p className="max-w-64 text-right text-sm text-red-700" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** Resolve opens a small form for an optional note; Escape or Cancel backs out. */
function ResolveAlert({ projectSlug, modelName, alert }: { projectSlug: string; modelName: string; alert: AlertView }) {
  const [state, action] = useActionState<ActionState, FormData>(resolveAlertAction, idleState);
  const [open, setOpen] = useState(false);
  const noteErrors = state.status === "error" ? state.fieldErrors?.note : undefined;
  const error = state.status === "error" && !noteErrors ? errorOf(state) : null;
  const values = state.status === "error" ? state.values : undefined;
  if (!open) {
    return (
      <Button variant="secondary" size="sm" aria-label={`Resolve the ${alert.kind} alert`} onClick={() => setOpen(true)}>
        Resolve
      </Button>
    );
  }
  const fieldId = `resolve-note-${alert.id}`;
  return (
    <form
      action={action}
      className="w-80 max-w-full space-y-2 rounded-md bg-slate-50 p-3 ring-1 ring-slate-200 ring-inset"
      onKeyDown={(e) => {
        if (e.key === "Escape") setOpen(false);
      }}
    >
      <Hidden projectSlug={projectSlug} modelName={modelName} alertId={alert.id} />
      <Field id={fieldId} label="Note (optional)" hint="What was done, for whoever reads the history." errors={noteErrors}>
        {(p) => <textarea {...p} name="note" rows={2} maxLength={2000} defaultValue={values?.note} autoFocus />}
      </Field>
      {error && (
        <p className="text-sm text-red-700" role="alert">
          {error}
        </p>
      )}
      <div className="flex justify-end gap-2">
        <Button variant="ghost" size="sm" onClick={() => setOpen(false)}>
          Cancel
        </Button>
        <SubmitButton size="sm" pendingLabel="Resolving…" aria-label={`Resolve the ${alert.kind} alert now`}>
          Resolve alert
        </SubmitButton>
      </div>
    </form>
  );
}
