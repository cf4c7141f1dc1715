"use client";

import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { createDatasetAction } from "@/lib/datasets/actions";

export function CreateDatasetForm({ projectSlug }: { projectSlug: string }) {
  const [state, action] = useActionState<ActionState, FormData>(createDatasetAction, idleState);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  return (
    <form action={action} className="space-y-3" noValidate>
      <input type="hidden" name="projectSlug" value={projectSlug} />
      <div className="grid gap-3 md:grid-cols-[16rem_1fr_auto] md:items-start">
        <Field id="dataset-name" label="Name" errors={errors?.name} hint="Letters, digits, '.', '_' and '-'.">
          {(p) => <input {...p} name="name" placeholder="customers" defaultValue={values?.name} autoComplete="off" />}
        </Field>
        <Field id="dataset-description" label="Description (optional)" errors={errors?.description}>
          {(p) => <input {...p} name="description" placeholder="What the rows are and where they come from" defaultValue={values?.description} />}
        </Field>
        <SubmitButton className="md:mt-7" pendingLabel="Creating…">
          Create dataset
        </SubmitButton>
      </div>
      {state.status === "error" && state.message && !errors && <Alert tone="error">{state.message}</Alert>}
    </form>
  );
}
