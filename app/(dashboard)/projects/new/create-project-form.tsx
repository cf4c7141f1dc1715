"use client";

import Link from "next/link";
import { useActionState, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { createProjectAction } from "@/lib/projects/actions";
import { slugify } from "@/lib/projects/slug";

export function CreateProjectForm() {
  const [state, action] = useActionState<ActionState, FormData>(createProjectAction, idleState);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  const [name, setName] = useState(values?.name ?? "");
  const [slug, setSlug] = useState<string | null>(null); // null: follows the name
  const shownSlug = slug ?? slugify(name);

  return (
    <form action={action} className="space-y-5" noValidate>
      {state.status === "error" && state.message && !errors && <Alert tone="error">{state.message}</Alert>}
      <Field id="name" label="Name" errors={errors?.name}>
        {(p) => (
          <input {...p} name="name" required value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        )}
      </Field>
      <Field
        id="slug"
        label="Slug"
        errors={errors?.slug}
        hint="Used in URLs and as the MLflow experiment name. Lower-case letters, digits and hyphens."
      >
        {(p) => (
          <input {...p} name="slug" className={`${p.className} font-mono`} value={shownSlug} onChange={(e) => setSlug(e.target.value)} />
        )}
      </Field>
      <Field id="description" label="Description" errors={errors?.description} hint="Optional. What the model predicts and for whom.">
        {(p) => <textarea {...p} name="description" rows={3} defaultValue={values?.description} />}
      </Field>
      <div className="flex items-center gap-3">
        <SubmitButton pendingLabel="Creating…">Create project</SubmitButton>
        <Link href="/projects" className={buttonClasses("ghost")}>
          Cancel
        </Link>
      </div>
    </form>
  );
}
