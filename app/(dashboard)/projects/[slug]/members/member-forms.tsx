"use client";

import { useActionState, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { SelectAndSave } from "@/components/ui/select-and-save";
import { SubmitButton } from "@/components/ui/submit-button";
import { Td } from "@/components/ui/table";
import { personaLabels, personas, type Persona } from "@/lib/auth/permissions";
import { idleState, type ActionState } from "@/lib/actions/state";
import { addMemberAction, changePersonaAction, removeMemberAction } from "@/lib/projects/actions";

const personaOptions = personas.map((p) => ({ value: p, label: personaLabels[p] }));

function PersonaOptions() {
  return personas.map((p) => (
    <option key={p} value={p}>
      {personaLabels[p]}
    </option>
  ));
}

export function AddMemberForm({ projectSlug }: { projectSlug: string }) {
  const [state, action] = useActionState<ActionState, FormData>(addMemberAction, idleState);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  return (
    <form action={action} className="space-y-3" noValidate>
      <input type="hidden" name="projectSlug" value={projectSlug} />
      <div className="flex flex-wrap items-start gap-3">
        <Field id="member-email" label="E-mail" errors={errors?.email} className="min-w-64 flex-1">
          {(p) => <input {...p} name="email" type="email" placeholder="name@company.com" defaultValue={values?.email} />}
        </Field>
        <Field id="member-persona" label="Persona" errors={errors?.persona} className="w-48">
          {(p) => (
            <select {...p} name="persona" defaultValue={values?.persona ?? "data_scientist"}>
              <PersonaOptions />
            </select>
          )}
        </Field>
        <SubmitButton className="mt-7" pendingLabel="Adding…">
          Add member
        </SubmitButton>
      </div>
      {state.status === "error" && state.message && !errors && <Alert tone="error">{state.message}</Alert>}
      {state.status === "success" && state.message && <Alert tone="success">{state.message}</Alert>}
    </form>
  );
}

export function MemberControls({
  projectSlug,
  userId,
  email,
  persona,
  since,
}: {
  projectSlug: string;
  userId: string;
  email: string;
  persona: Persona;
  since: string;
}) {
  const [personaState, personaAction] = useActionState<ActionState, FormData>(changePersonaAction, idleState);
  const [removeState, removeAction] = useActionState<ActionState, FormData>(removeMemberAction, idleState);
  const [confirming, setConfirming] = useState(false);
  const error =
    (personaState.status === "error" && (personaState.message ?? Object.values(personaState.fieldErrors ?? {})[0]?.[0])) ||
    (removeState.status === "error" && removeState.message) ||
    null;
  return (
    <>
      <Td>
        <form action={personaAction} className="flex items-center gap-2">
          <input type="hidden" name="projectSlug" value={projectSlug} />
          <input type="hidden" name="userId" value={userId} />
          <SelectAndSave
            id={`persona-${userId}`}
            name="persona"
            label={`Persona of ${email}`}
            value={persona}
            options={personaOptions}
            className="w-44"
          />
        </form>
        {error && (
          <p className="mt-1 text-sm text-red-700" role="alert">
            {error}
          </p>
        )}
      </Td>
      <Td className="text-slate-600">{since}</Td>
      <Td className="text-right">
        <form action={removeAction} className="inline-flex items-center gap-2">
          <input type="hidden" name="projectSlug" value={projectSlug} />
          <input type="hidden" name="userId" value={userId} />
          {confirming ? (
            <>
              <span className="text-sm text-slate-600">Remove {email}?</span>
              <SubmitButton variant="danger" size="sm" pendingLabel="Removing…">
                Remove
              </SubmitButton>
              <Button variant="ghost" size="sm" onClick={() => setConfirming(false)}>
                Keep
              </Button>
            </>
          ) : (
            <Button variant="ghost" size="sm" onClick={() => setConfirming(true)} aria-label={`Remove ${email}`}>
              Remove
            </Button>
          )}
        </form>
      </Td>
    </>
  );
}
