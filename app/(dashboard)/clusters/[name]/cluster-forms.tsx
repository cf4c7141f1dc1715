"use client";

import { KeyRound, RotateCw } from "lucide-react";
import { useActionState, useState } from "react";
import { AgentTokenNotice } from "@/components/clusters/agent-token-notice";
import { fieldsOf, settingsTitle } from "@/components/clusters/settings";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { controlClasses, Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import type { ClusterSettings } from "@/lib/agent/protocol";
import { revokeAgentTokenAction, rotateAgentTokenAction, setQuotaAction, updateClusterAction, type IssuedAgentToken } from "@/lib/clusters/actions";
import { cn } from "@/lib/cn";

/** Description, cost, and the settings of the cluster's executor (none for local clusters). */
export function EditClusterForm({
  cluster,
  executor,
  description,
  costPerGpuHour,
  settings,
}: {
  cluster: string;
  executor: string;
  description: string;
  costPerGpuHour: number | null;
  settings: ClusterSettings;
}) {
  const [state, action] = useActionState<ActionState, FormData>(updateClusterAction, idleState);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  const fields = fieldsOf(executor);
  const title = settingsTitle(executor);
  return (
    <form action={action} className="space-y-4" noValidate>
      <input type="hidden" name="cluster" value={cluster} />
      <Field id="edit-description" label="Description" errors={errors?.description}>
        {(p) => <textarea {...p} name="description" rows={2} maxLength={500} defaultValue={values?.description ?? description} />}
      </Field>
      <Field id="edit-cost" label="Cost per GPU-hour" errors={errors?.costPerGpuHour} hint="In dollars. Empty: cost is not tracked. Applies to all GPU-hours shown, past ones included.">
        {(p) => <input {...p} name="costPerGpuHour" inputMode="decimal" placeholder="2.50" defaultValue={values?.costPerGpuHour ?? costPerGpuHour ?? ""} className={cn(p.className, "max-w-40")} />}
      </Field>
      {title && fields.length > 0 && (
        <fieldset className="border-t border-slate-100 pt-4" aria-describedby="edit-settings-hint">
          <legend className="float-left w-full text-sm font-semibold text-slate-900">{title}</legend>
          <p id="edit-settings-hint" className="clear-both pt-1 text-xs text-slate-500">
            Sent to the agent with its next heartbeat; runs submitted from then on use them.
          </p>
          <div className="mt-3 grid gap-4 sm:grid-cols-2">
            {fields.map((f) => (
              <Field key={f.key} id={`edit-${f.key}`} label={f.label} errors={errors?.[f.key]} hint={f.hint}>
                {(p) => (
                  <input
                    {...p}
                    // Remounted with the saved value after each save, so the field shows what is stored (trimmed).
                    key={settings[f.key] ?? ""}
                    name={f.key}
                    placeholder={f.placeholder}
                    defaultValue={values?.[f.key] ?? settings[f.key] ?? ""}
                    autoComplete="off"
                    spellCheck={false}
                    className={cn(p.className, "font-mono")}
                  />
                )}
              </Field>
            ))}
          </div>
        </fieldset>
      )}
      {state.status === "error" && state.message && !errors && <Alert tone="error">{state.message}</Alert>}
      {state.status === "success" && state.message && <Alert tone="success">{state.message}</Alert>}
      <SubmitButton pendingLabel="Saving…">Save changes</SubmitButton>
    </form>
  );
}

/** Rotate or revoke the agent token, each behind a confirm step (Escape backs out). */
export function TokenActions({ cluster, hasToken }: { cluster: string; hasToken: boolean }) {
  const [rotateState, rotate, rotating] = useActionState<ActionState<IssuedAgentToken>, FormData>(rotateAgentTokenAction, idleState);
  const [revokeState, revoke, revoking] = useActionState<ActionState, FormData>(revokeAgentTokenAction, idleState);
  const [confirming, setConfirming] = useState<"rotate" | "revoke" | null>(null);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const issued = rotateState.status === "success" && rotateState.data && rotateState.data.token !== dismissed ? rotateState.data : null;
  const error = [rotateState, revokeState].find((s) => s.status === "error");

  return (
    <div className="space-y-3">
      {confirming ? (
        <form
          action={(fd) => {
            setConfirming(null);
            return confirming === "rotate" ? rotate(fd) : revoke(fd);
          }}
          className="space-y-3 rounded-md bg-amber-50 p-3 ring-1 ring-amber-200 ring-inset"
          onKeyDown={(e) => e.key === "Escape" && setConfirming(null)}
        >
          <input type="hidden" name="cluster" value={cluster} />
          <p className="text-sm text-amber-900">
            {confirming === "rotate"
              ? "Issue a new token? The current one stops working at once: the running agent gets refused until you restart it with the new token."
              : "Revoke the token? No agent can act for this cluster until you issue a new one. Running runs are marked lost once the agent has been silent for too long."}
          </p>
          <div className="flex gap-2">
            <SubmitButton variant={confirming === "revoke" ? "danger" : "primary"} size="sm" pendingLabel="Working…" autoFocus>
              {confirming === "rotate" ? "Yes, rotate" : "Yes, revoke"}
            </SubmitButton>
            <Button variant="ghost" size="sm" onClick={() => setConfirming(null)}>
              Cancel
            </Button>
          </div>
        </form>
      ) : (
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" size="sm" onClick={() => setConfirming("rotate")} disabled={rotating || revoking}>
            {hasToken ? <RotateCw className={cn("size-4", rotating && "animate-spin")} aria-hidden /> : <KeyRound className="size-4" aria-hidden />}
            {rotating ? "Issuing…" : hasToken ? "Rotate token" : "Issue a new token"}
          </Button>
          {hasToken && (
            <Button variant="danger" size="sm" onClick={() => setConfirming("revoke")} disabled={rotating || revoking}>
              {revoking ? "Revoking…" : "Revoke token"}
            </Button>
          )}
        </div>
      )}
      {error?.status === "error" && <Alert tone="error">{error.message ?? "Could not change the token."}</Alert>}
      {revokeState.status === "success" && !hasToken && !issued && <Alert tone="success">{revokeState.message}</Alert>}
      {issued && <AgentTokenNotice key={issued.token} {...issued} rotated={hasToken} onDone={() => setDismissed(issued.token)} />}
    </div>
  );
}

/** One project's GPU quota on this cluster: a number, or empty for no limit. */
export function QuotaForm({ cluster, projectId, projectName, quota }: { cluster: string; projectId: string; projectName: string; quota: number | null }) {
  const [state, action] = useActionState<ActionState, FormData>(setQuotaAction, idleState);
  const error = state.status === "error" ? (state.fieldErrors?.maxGpus?.join(" ") ?? state.message) : null;
  const id = `quota-${projectId}`;
  return (
    <form action={action} className="flex flex-col items-end gap-1" noValidate>
      <input type="hidden" name="cluster" value={cluster} />
      <input type="hidden" name="projectId" value={projectId} />
      <div className="flex items-center gap-2">
        <label htmlFor={id} className="sr-only">
          GPU quota for {projectName}
        </label>
        <input
          id={id}
          name="maxGpus"
          inputMode="numeric"
          placeholder="No limit"
          // Remounted with the saved value after each save (the key), so the field shows what is stored.
          key={quota ?? "none"}
          defaultValue={state.status === "error" ? state.values?.maxGpus : (quota ?? "")}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          className={cn(controlClasses, "w-28 py-1.5 text-right tabular-nums", error && "ring-red-400")}
        />
        <SubmitButton size="sm" variant="secondary" pendingLabel="Saving…" aria-label={`Save the GPU quota of ${projectName}`}>
          Save
        </SubmitButton>
      </div>
      <p className="text-right text-xs empty:hidden" aria-live="polite">
        {error ? (
          <span id={`${id}-error`} className="text-red-700">
            {error}
          </span>
        ) : state.status === "success" ? (
          <span className="text-emerald-700">{state.message}</span>
        ) : null}
      </p>
    </form>
  );
}
