"use client";

import { Trash2 } from "lucide-react";
import { useActionState, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { addRuleAction, deleteRuleAction } from "@/lib/datasets/actions";

const kinds = [
  { value: "column_present", label: "Column is present", needs: ["column"] },
  { value: "column_type", label: "Column has type", needs: ["column", "type"] },
  { value: "max_null_fraction", label: "Nulls at most", needs: ["column", "maxNullPercent"] },
  { value: "numeric_range", label: "Values within range", needs: ["column", "min", "max"] },
  { value: "allowed_values", label: "Values from a list", needs: ["column", "values"] },
  { value: "unique", label: "Values are unique", needs: ["column"] },
  { value: "row_count", label: "Row count within bounds", needs: ["min", "max"] },
  { value: "schema_unchanged", label: "Schema unchanged from previous version", needs: [] },
] as const;

type Kind = (typeof kinds)[number]["value"];
const DEFAULT_KIND: Kind = "max_null_fraction";

export function AddRuleForm({ projectSlug, datasetName }: { projectSlug: string; datasetName: string }) {
  const [state, action] = useActionState<ActionState, FormData>(addRuleAction, idleState);
  const values = state.status === "error" ? state.values : undefined;
  const [kind, setKind] = useState<Kind>((values?.kind as Kind) ?? DEFAULT_KIND);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const needs: readonly string[] = kinds.find((k) => k.value === kind)?.needs ?? [];

  return (
    // React resets the form after a successful action; the visible fields follow the reset select.
    <form action={action} className="space-y-3" noValidate onReset={() => setKind(DEFAULT_KIND)}>
      <input type="hidden" name="projectSlug" value={projectSlug} />
      <input type="hidden" name="datasetName" value={datasetName} />
      <h3 className="text-sm font-semibold text-slate-900">Add a rule</h3>
      <div className="flex flex-wrap items-start gap-3">
        <Field id="rule-kind" label="Rule" errors={errors?.kind} className="w-72">
          {(p) => (
            <select {...p} name="kind" defaultValue={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              {kinds.map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {needs.includes("column") && (
          <Field id="rule-column" label="Column" errors={errors?.column} className="w-48">
            {(p) => <input {...p} name="column" defaultValue={values?.column} autoComplete="off" />}
          </Field>
        )}
        {needs.includes("type") && (
          <Field id="rule-type" label="Type" errors={errors?.type} className="w-40">
            {(p) => (
              <select {...p} name="type" defaultValue={values?.type ?? "numeric"}>
                {["numeric", "categorical", "boolean", "datetime", "text"].map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            )}
          </Field>
        )}
        {needs.includes("maxNullPercent") && (
          <Field id="rule-nulls" label="Max null %" errors={errors?.maxNullPercent} className="w-32">
            {(p) => <input {...p} name="maxNullPercent" inputMode="decimal" placeholder="5" defaultValue={values?.maxNullPercent} />}
          </Field>
        )}
        {needs.includes("min") && (
          <Field id="rule-min" label="Minimum" errors={errors?.min} className="w-32">
            {(p) => <input {...p} name="min" inputMode="decimal" defaultValue={values?.min} />}
          </Field>
        )}
        {needs.includes("max") && (
          <Field id="rule-max" label="Maximum" errors={errors?.max} className="w-32">
            {(p) => <input {...p} name="max" inputMode="decimal" defaultValue={values?.max} />}
          </Field>
        )}
        <Field id="rule-severity" label="On failure" errors={errors?.severity} className="w-36">
          {(p) => (
            <select {...p} name="severity" defaultValue={values?.severity ?? "fail"}>
              <option value="fail">Fail</option>
              <option value="warn">Warn</option>
            </select>
          )}
        </Field>
      </div>
      {needs.includes("values") && (
        <Field id="rule-values" label="Allowed values" errors={errors?.values} hint="One per line, or comma-separated.">
          {(p) => <textarea {...p} name="values" rows={3} defaultValue={values?.values} />}
        </Field>
      )}
      {state.status === "error" && state.message && !errors && <Alert tone="error">{state.message}</Alert>}
      {state.status === "success" && state.message && <Alert tone="success">{state.message}</Alert>}
      <SubmitButton pendingLabel="Adding…">Add rule</SubmitButton>
    </form>
  );
}

export function DeleteRuleButton({ projectSlug, datasetName, ruleId, label }: { projectSlug: string; datasetName: string; ruleId: string; label: string }) {
  const [state, action] = useActionState<ActionState, FormData>(deleteRuleAction, idleState);
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <Button variant="ghost" size="sm" onClick={() => setConfirming(true)} aria-label={`Remove rule: ${label}`}>
        <Trash2 className="size-4" aria-hidden />
      </Button>
    );
  }
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="projectSlug" value={projectSlug} />
      <input type="hidden" name="datasetName" value={datasetName} />
      <input type="hidden" name="ruleId" value={ruleId} />
      {state.status === "error" && <span className="text-xs text-red-700">{state.message}</span>}
      <SubmitButton variant="danger" size="sm" pendingLabel="Removing…">
        Remove
      </SubmitButton>
      <Button variant="ghost" size="sm" onClick={() => setConfirming(false)} autoFocus>
        Keep
      </Button>
    </form>
  );
}
