"use client";

import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { requestPromotionAction } from "@/lib/models/actions";

const environments = [
  { value: "staging", label: "Staging" },
  { value: "production", label: "Production" },
] as const;

/**
 * Ask for this version in staging or production. The gates run on submit; the request page
 * (where the action redirects) shows their outcome. Disabled, with the reason, when it cannot be asked.
 */
export function RequestPromotionForm({
  projectSlug,
  modelName,
  version,
  disabledReason,
  deployedIn,
}: {
  projectSlug: string;
  modelName: string;
  version: number;
  /** Why no request can be made (the run did not finish successfully), or null. */
  disabledReason: string | null;
  /** Environments this version already runs in. */
  deployedIn: string[];
}) {
  const [state, action] = useActionState<ActionState, FormData>(requestPromotionAction, idleState);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  const available = environments.filter((e) => !deployedIn.includes(e.value));
  const reason = disabledReason ?? (available.length === 0 ? `Version ${version} already runs in staging and production.` : null);
  // Errors about the version as a whole (an open request already, already deployed) have no field of their own.
  const general = state.status === "error" ? [...(errors?.version ?? []), ...(errors?.modelName ?? []), ...(!errors ? [state.message ?? ""] : [])].filter(Boolean) : [];
  const defaultEnv = values?.environment ?? available[0]?.value ?? "staging";

  return (
    <form action={action} noValidate className="space-y-4" aria-describedby={reason ? "promotion-disabled-reason" : undefined}>
      <input type="hidden" name="projectSlug" value={projectSlug} />
      <input type="hidden" name="modelName" value={modelName} />
      <input type="hidden" name="version" value={version} />
      {reason && (
        <div id="promotion-disabled-reason">
          <Alert tone="warning">{reason}</Alert>
        </div>
      )}
      <fieldset disabled={reason !== null} className="space-y-4 disabled:opacity-60">
        <legend className="sr-only">Promotion request for version {version}</legend>
        <Field id="promotion-environment" label="Environment" errors={errors?.environment} className="max-w-xs">
          {(p) => (
            <select {...p} name="environment" defaultValue={defaultEnv}>
              {environments.map((e) => (
                <option key={e.value} value={e.value} disabled={deployedIn.includes(e.value)}>
                  {e.label}
                  {deployedIn.includes(e.value) ? " (already running this version)" : ""}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          id="promotion-justification"
          label="Justification"
          errors={errors?.justification}
          hint="Why this version should go there: what changed, what you checked. The approver reads this."
        >
          {(p) => <textarea {...p} name="justification" rows={3} required defaultValue={values?.justification} />}
        </Field>
        {general.length > 0 && <Alert tone="error">{general.join(" ")}</Alert>}
        <SubmitButton pendingLabel="Running the gates…">Request promotion</SubmitButton>
      </fieldset>
    </form>
  );
}
