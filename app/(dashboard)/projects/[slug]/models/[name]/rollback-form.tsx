"use client";

import { Undo2 } from "lucide-react";
import { useActionState, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { rollbackAction } from "@/lib/models/actions";

/**
 * Roll an environment back to the version before its current one. A reason is required; the
 * version the user saw travels along, so a double submit (or a change meanwhile) rolls back once.
 */
export function RollbackForm({
  projectSlug,
  modelName,
  environment,
  fromVersion,
  toVersion,
}: {
  projectSlug: string;
  modelName: string;
  environment: "staging" | "production";
  fromVersion: number;
  /** The version the rollback restores (the one deployed before `fromVersion`). */
  toVersion: number;
}) {
  const [state, action] = useActionState<ActionState, FormData>(rollbackAction, idleState);
  // The state the form was opened with: a new success closes it (the message below says what happened).
  const [openedWith, setOpenedWith] = useState<ActionState | null>(null);
  const open = openedWith !== null && (state === openedWith || state.status !== "success");
  const setOpen = (v: boolean) => setOpenedWith(v ? state : null);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  const id = `rollback-${environment}`;

  if (!open) {
    return (
      <div className="space-y-2">
        {state.status === "success" && state.message && <Alert tone="success">{state.message}</Alert>}
        <Button variant="danger" size="sm" onClick={() => setOpen(true)} aria-expanded={false} aria-controls={`${id}-form`}>
          <Undo2 className="size-4" aria-hidden /> Roll back to version {toVersion}…
        </Button>
      </div>
    );
  }
  return (
    <form
      id={`${id}-form`}
      action={action}
      noValidate
      className="space-y-3 rounded-md bg-red-50/40 p-3 ring-1 ring-red-100"
      onKeyDown={(e) => {
        if (e.key === "Escape") setOpen(false);
      }}
    >
      <input type="hidden" name="projectSlug" value={projectSlug} />
      <input type="hidden" name="modelName" value={modelName} />
      <input type="hidden" name="environment" value={environment} />
      <input type="hidden" name="fromVersion" value={fromVersion} />
      <p className="text-sm text-slate-700">
        {environment === "production" ? "Production" : "Staging"} goes back from version {fromVersion} to version {toVersion}, the one deployed before it. This is
        recorded in the audit log with your reason.
      </p>
      <Field id={`${id}-reason`} label="Reason" errors={errors?.reason} hint="What went wrong, e.g. “precision dropped on yesterday's traffic”.">
        {(p) => <textarea {...p} name="reason" rows={2} required defaultValue={values?.reason} autoFocus />}
      </Field>
      {state.status === "error" && state.message && !errors?.reason && <Alert tone="error">{errors?.fromVersion?.join(" ") ?? state.message}</Alert>}
      <div className="flex flex-wrap gap-2">
        <SubmitButton variant="danger" size="sm" pendingLabel="Rolling back…">
          Roll back {environment} to version {toVersion}
        </SubmitButton>
        <Button variant="ghost" size="sm" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
