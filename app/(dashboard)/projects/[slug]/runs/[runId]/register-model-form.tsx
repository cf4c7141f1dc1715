"use client";

import { Boxes } from "lucide-react";
import Link from "next/link";
import { useActionState, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { registerVersionAction } from "@/lib/models/actions";
import { versionUrl } from "@/lib/models/urls";

export interface ModelRegistryProps {
  /** May register model versions in this project. */
  canRegister: boolean;
  /** The project's model names, suggested in the form. */
  modelNames: string[];
  /** Versions already registered from this run. */
  versions: { model: string; version: number }[];
}

/**
 * The run page's model registry panel: the versions registered from this run, and for those allowed
 * a "Register model" form once the run has finished successfully (on success: the new version's page).
 */
export function RegisterModelPanel({ slug, runId, status, canRegister, modelNames, versions }: ModelRegistryProps & { slug: string; runId: string; status: string }) {
  const [open, setOpen] = useState(false);
  const allowed = canRegister && status === "FINISHED";
  if (!allowed && versions.length === 0) return null;
  return (
    <Card label="Model registry">
      <CardHeader
        title="Model registry"
        description={versions.length ? "This run's artifacts are registered as:" : "Register this run's model as a new version of a model, to compare it and request its promotion."}
        actions={
          allowed &&
          !open && (
            <Button size="sm" onClick={() => setOpen(true)} aria-expanded={false} aria-controls="register-model-form">
              <Boxes className="size-4" aria-hidden /> Register model
            </Button>
          )
        }
      />
      {versions.length > 0 && (
        <ul className="flex flex-wrap gap-2 px-5 py-3" aria-label="Model versions from this run">
          {versions.map((v) => (
            <li key={`${v.model}-${v.version}`}>
              <Link href={versionUrl(slug, v.model, v.version)} className="inline-flex rounded-md bg-brand-50 px-2 py-1 text-sm font-medium text-brand-700 ring-1 ring-brand-100 hover:underline">
                {v.model} v{v.version}
              </Link>
            </li>
          ))}
        </ul>
      )}
      {allowed && open && <RegisterModelForm slug={slug} runId={runId} modelNames={modelNames} onCancel={() => setOpen(false)} />}
    </Card>
  );
}

function RegisterModelForm({ slug, runId, modelNames, onCancel }: { slug: string; runId: string; modelNames: string[]; onCancel: () => void }) {
  const [state, action] = useActionState<ActionState, FormData>(registerVersionAction, idleState);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  const general = state.status === "error" ? (errors ? errors.runId?.join(" ") : state.message) : undefined;
  return (
    <form
      id="register-model-form"
      action={action}
      noValidate
      className="space-y-4 border-t border-slate-100 px-5 py-4"
      onKeyDown={(e) => {
        if (e.key === "Escape") onCancel();
      }}
    >
      <input type="hidden" name="projectSlug" value={slug} />
      <input type="hidden" name="runId" value={runId} />
      <div className="grid gap-4 md:grid-cols-2">
        <Field
          id="register-model-name"
          label="Model name"
          errors={errors?.modelName}
          hint={modelNames.length ? "An existing model of this project gets a new version; a new name creates the model." : "A new name creates the model. Letters, digits, '.', '_' and '-'."}
        >
          {(p) => <input {...p} name="modelName" list="register-model-names" defaultValue={values?.modelName} autoComplete="off" placeholder="churn-classifier" autoFocus />}
        </Field>
        <datalist id="register-model-names">
          {modelNames.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
        <Field id="register-artifact-path" label="Artifact path" errors={errors?.artifactPath} hint="The model's directory among the run's artifacts (mlflow's artifact_path).">
          {(p) => <input {...p} name="artifactPath" defaultValue={values?.artifactPath ?? "model"} autoComplete="off" className={`${p.className} font-mono`} />}
        </Field>
      </div>
      <Field id="register-description" label="Description (optional)" errors={errors?.description}>
        {(p) => <textarea {...p} name="description" rows={2} defaultValue={values?.description} placeholder="What is new in this version" />}
      </Field>
      {general && <Alert tone="error">{general}</Alert>}
      <div className="flex flex-wrap gap-2">
        <SubmitButton pendingLabel="Registering…">Register version</SubmitButton>
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
