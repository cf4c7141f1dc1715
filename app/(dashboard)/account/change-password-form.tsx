"use client";

import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { changePasswordAction } from "@/lib/auth/actions";
import { idleState, type ActionState } from "@/lib/actions/state";

export function ChangePasswordForm() {
  const [state, action] = useActionState<ActionState, FormData>(changePasswordAction, idleState);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  return (
    <form action={action} className="space-y-4" noValidate>
      <Field id="currentPassword" label="Current password" errors={errors?.currentPassword}>
        {(p) => <input {...p} name="currentPassword" type="password" autoComplete="current-password" />}
      </Field>
      <Field id="newPassword" label="New password" errors={errors?.newPassword}>
        {(p) => <input {...p} name="newPassword" type="password" autoComplete="new-password" />}
      </Field>
      <Field id="confirmPassword" label="Repeat the new password" errors={errors?.confirmPassword}>
        {(p) => <input {...p} name="confirmPassword" type="password" autoComplete="new-password" />}
      </Field>
      <SubmitButton pendingLabel="Saving…">Change password</SubmitButton>
      {state.status === "error" && state.message && !errors && <Alert tone="error">{state.message}</Alert>}
      {state.status === "success" && state.message && <Alert tone="success">{state.message}</Alert>}
    </form>
  );
}
