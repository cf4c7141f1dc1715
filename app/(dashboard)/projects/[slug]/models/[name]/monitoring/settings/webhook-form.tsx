"use client";

import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { setWebhookAction } from "@/lib/monitoring/actions";

/** Save sets the URL (checked on the server: a private target comes back under the field); Remove clears it. */
export function WebhookForm({ projectSlug, modelName, current }: { projectSlug: string; modelName: string; current: string | null }) {
  const [state, action] = useActionState<ActionState, FormData>(setWebhookAction, idleState);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  const hidden = (
    <>
      <input type="hidden" name="projectSlug" value={projectSlug} />
      <input type="hidden" name="modelName" value={modelName} />
    </>
  );
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-start gap-3">
        <form action={action} className="flex min-w-72 flex-1 flex-wrap items-start gap-3" noValidate>
          {hidden}
          <Field id="webhook-url" label="Webhook URL" hint="http or https; a secret for the receiver can go in the path or query." errors={errors?.url} className="min-w-60 flex-1">
            {(p) => (
              <input
                {...p}
                type="url"
                name="url"
                inputMode="url"
                autoComplete="off"
                spellCheck={false}
                maxLength={2000}
                placeholder="https://hooks.example.com/ferry"
                // After an error the typed URL comes back; after a save, the saved one.
                defaultValue={values?.url ?? current ?? ""}
              />
            )}
          </Field>
          {/* Lines the button up with the input, below the field's label. */}
          <SubmitButton pendingLabel="Saving…" className="mt-[1.625rem]">
            Save
          </SubmitButton>
        </form>
        {current && (
          <form action={action}>
            {hidden}
            <input type="hidden" name="url" value="" />
            <SubmitButton variant="danger" pendingLabel="Removing…" className="mt-[1.625rem]" aria-label="Remove the webhook">
              Remove
            </SubmitButton>
          </form>
        )}
      </div>
      {state.status === "error" && state.message && !errors && <Alert tone="error">{state.message}</Alert>}
      {state.status === "success" && state.message && <Alert tone="success">{state.message}</Alert>}
    </div>
  );
}
