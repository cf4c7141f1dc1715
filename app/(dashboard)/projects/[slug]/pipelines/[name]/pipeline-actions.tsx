"use client";

import { Loader2, Pause, Play, Trash2 } from "lucide-react";
import { useActionState, useEffect, useRef, useState, useTransition } from "react";
import { ParamRows, type ParamRow } from "@/components/runs/param-rows";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { deletePipelineAction, setPipelineEnabledAction, startPipelineRunAction } from "@/lib/pipelines/actions";

/** Every message of a refused action, field errors included (these small forms have no other fields to show them on). */
function refusal(state: ActionState): string | null {
  if (state.status !== "error") return null;
  const fields = Object.values(state.fieldErrors ?? {}).flat();
  return fields.length ? fields.join(" ") : (state.message ?? "Something went wrong. Try again.");
}

/** Pause or resume the pipeline's triggers; `children` (other header actions) sit beside the button, the outcome below both. */
export function EnableToggle({ slug, pipeline, enabled, children }: { slug: string; pipeline: string; enabled: boolean; children?: React.ReactNode }) {
  const [state, action] = useActionState<ActionState, FormData>(setPipelineEnabledAction, idleState);
  const error = refusal(state);
  return (
    <div className="flex shrink-0 flex-col items-end gap-1">
      <div className="flex flex-wrap items-center gap-2">
        {children}
        <form action={action}>
          <input type="hidden" name="projectSlug" value={slug} />
          <input type="hidden" name="pipeline" value={pipeline} />
          <input type="hidden" name="enabled" value={enabled ? "false" : "true"} />
          <SubmitButton variant="secondary" size="sm" pendingLabel={enabled ? "Disabling…" : "Enabling…"}>
            {enabled ? <Pause className="size-4" aria-hidden /> : <Play className="size-4" aria-hidden />}
            {enabled ? "Disable" : "Enable"}
          </SubmitButton>
        </form>
      </div>
      {error && (
        <p className="max-w-xs text-right text-sm text-red-700" role="alert">
          {error}
        </p>
      )}
      {state.status === "success" && state.message && (
        <p className="max-w-xs text-right text-xs text-slate-600" role="status">
          {state.message}
        </p>
      )}
    </div>
  );
}

export interface VersionOption {
  version: number;
  rowCount: number | null;
  validation: "pass" | "warn" | "fail" | "none";
}

/**
 * "Run now": a manual run, optionally on another dataset version and with parameters overridden for
 * this run only. Submitted through a transition so a refusal keeps the rows typed.
 */
export function RunNowForm({ slug, pipeline, dataset, versions, templateParams }: { slug: string; pipeline: string; dataset: string; versions: VersionOption[]; templateParams: [string, string][] }) {
  const [state, dispatch, pending] = useActionState<ActionState, FormData>(startPipelineRunAction, idleState);
  const [, startTransition] = useTransition();
  const [rows, setRows] = useState<ParamRow[]>([]);
  const [version, setVersion] = useState("");
  const formRef = useRef<HTMLFormElement>(null);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const other = Object.entries(errors ?? {})
    .filter(([k]) => k !== "params" && k !== "datasetVersion")
    .flatMap(([, m]) => m);
  useEffect(() => {
    if (state.status !== "error") return;
    formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
  }, [state]);
  const templated = templateParams;
  const newest = versions[0];

  return (
    <form
      ref={formRef}
      noValidate
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        const fd = new FormData(e.currentTarget);
        startTransition(() => dispatch(fd));
      }}
    >
      <input type="hidden" name="projectSlug" value={slug} />
      <input type="hidden" name="pipeline" value={pipeline} />
      <Field
        id="run-now-version"
        label="Dataset version"
        errors={errors?.datasetVersion}
        hint={newest ? undefined : `${dataset} has no version yet: the run will stop at validation.`}
        className="max-w-md"
      >
        {(p) => (
          <select {...p} name="datasetVersion" value={version} onChange={(e) => setVersion(e.target.value)}>
            <option value="">Newest when the run starts{newest ? ` (now v${newest.version})` : ""}</option>
            {versions.map((v) => (
              <option key={v.version} value={String(v.version)}>
                {dataset} v{v.version}
                {v.rowCount !== null ? ` · ${v.rowCount.toLocaleString("en-US")} rows` : ""}
                {v.validation === "fail" ? " · failed validation" : v.validation === "warn" ? " · validation warnings" : ""}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ParamRows
        idPrefix="run-now-params"
        legend="Parameter overrides (optional)"
        hint={
          templated.length ? (
            <>
              For this run only, over the pipeline&apos;s{" "}
              {templated.map(([k, v], i) => (
                <span key={k}>
                  {i > 0 && ", "}
                  <code className="font-mono">
                    {k}={v || '""'}
                  </code>
                </span>
              ))}
              .
            </>
          ) : (
            "For this run only: the pipeline sets no parameters."
          )
        }
        rows={rows}
        setRows={setRows}
        errors={errors?.params}
        placeholder={{ key: templated[0]?.[0] ?? "epochs", value: templated[0]?.[1] ?? "30" }}
      />
      {state.status === "error" && (other.length > 0 || (!errors && state.message)) && <Alert tone="error">{other.length ? other.join(" ") : state.message}</Alert>}
      <Button type="submit" disabled={pending} aria-disabled={pending}>
        {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <Play className="size-4" aria-hidden />}
        {pending ? "Starting…" : "Run now"}
      </Button>
    </form>
  );
}

/** Delete with a confirm step; refused while a run is in progress (the service says so). */
export function DeletePipeline({ slug, pipeline }: { slug: string; pipeline: string }) {
  const [state, action] = useActionState<ActionState, FormData>(deletePipelineAction, idleState);
  const [confirming, setConfirming] = useState(false);
  const error = refusal(state);
  return (
    <form action={action} className="space-y-3">
      <input type="hidden" name="projectSlug" value={slug} />
      <input type="hidden" name="pipeline" value={pipeline} />
      {confirming ? (
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-sm text-slate-700">Delete {pipeline} and its run history? Training runs and model versions it made stay.</span>
          <SubmitButton variant="danger" size="sm" pendingLabel="Deleting…">
            Delete pipeline
          </SubmitButton>
          <Button variant="ghost" size="sm" onClick={() => setConfirming(false)} autoFocus>
            Keep it
          </Button>
        </div>
      ) : (
        <Button variant="danger" size="sm" onClick={() => setConfirming(true)}>
          <Trash2 className="size-4" aria-hidden /> Delete pipeline…
        </Button>
      )}
      {error && <Alert tone="error">{error}</Alert>}
    </form>
  );
}
