"use client";

import { Loader2, Save } from "lucide-react";
import Link from "next/link";
import { useActionState, useEffect, useId, useRef, useState, useTransition } from "react";
import { formatGpuAsk, gpuTypeLabel } from "@/components/clusters/format";
import { ParamRows, toParamRows, type ParamRow } from "@/components/runs/param-rows";
import { GpuClusterFields } from "@/components/runs/gpu-cluster-fields";
import { Alert } from "@/components/ui/alert";
import { Button, buttonClasses } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { idleState, type ActionState } from "@/lib/actions/state";
import { cn } from "@/lib/cn";
import { savePipelineAction } from "@/lib/pipelines/actions";
import type { PipelineFormValues } from "@/lib/pipelines/pipeline-form";
import { placeholdersOf } from "@/lib/runs/placeholders";

export interface PipelineClusterOption {
  name: string;
  online: boolean;
  gpus: { type: string; count: number }[];
}

export interface PipelineDatasetOption {
  name: string;
  latestVersion: number | null;
}

type Values = Omit<PipelineFormValues, "params">;
type Errors = Record<string, string[]> | undefined;

/** Fields the form shows errors next to; anything else is listed at the top. */
const shownFields = new Set([
  "name",
  "description",
  "model",
  "dataset",
  "cron",
  "codeKind",
  "code",
  "codeRepo",
  "codeCommit",
  "codeImage",
  "command",
  "params",
  "gpuCount",
  "gpus",
  "gpuType",
  "cluster",
  "priority",
  "artifactPath",
  "promoteTo",
]);

/**
 * Create and edit a pipeline. Controlled fields submitted through a transition (as the launch form):
 * a refused save keeps everything typed; a saved one goes to the pipeline's page.
 */
export function PipelineForm({
  slug,
  models,
  datasets,
  clusters,
  initial,
  existing,
  cronHelp,
}: {
  slug: string;
  models: string[];
  datasets: PipelineDatasetOption[];
  clusters: PipelineClusterOption[];
  initial: PipelineFormValues;
  /** The pipeline's current name when editing. */
  existing?: string;
  cronHelp: string;
}) {
  const [state, dispatch, pending] = useActionState<ActionState, FormData>(savePipelineAction, idleState);
  const [, startTransition] = useTransition();
  const { params: initialParams, ...initialValues } = initial;
  const [values, setValues] = useState<Values>(initialValues);
  const [rows, setRows] = useState<ParamRow[]>(() => toParamRows(initialParams));
  const formRef = useRef<HTMLFormElement>(null);
  const errors: Errors = state.status === "error" ? state.fieldErrors : undefined;
  const set = (k: keyof Values) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => setValues((v) => ({ ...v, [k]: e.target.value }));
  const toggle = (k: keyof Values) => (e: React.ChangeEvent<HTMLInputElement>) => setValues((v) => ({ ...v, [k]: e.target.checked }));

  useEffect(() => {
    if (state.status !== "error") return;
    const invalid = formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]");
    (invalid ?? document.getElementById("pipeline-error"))?.focus();
  }, [state]);

  const other = Object.entries(errors ?? {}).filter(([k]) => !shownFields.has(k)).flatMap(([, m]) => m);
  const unset = placeholdersOf(values.command).filter((p) => !rows.some((r) => r.key.trim() === p));
  const dataset = datasets.find((d) => d.name === values.dataset);

  return (
    <form
      ref={formRef}
      noValidate
      className="space-y-8"
      aria-describedby={state.status === "error" ? "pipeline-error" : undefined}
      onSubmit={(e) => {
        e.preventDefault();
        const fd = new FormData(e.currentTarget);
        startTransition(() => dispatch(fd));
      }}
    >
      <input type="hidden" name="projectSlug" value={slug} />
      <input type="hidden" name="existing" value={existing ?? ""} />
      {state.status === "error" && (state.message || other.length > 0) && (
        <Alert tone="error">
          <span id="pipeline-error" tabIndex={-1} className="outline-none">
            {[state.message, ...other].filter(Boolean).join(" ")}
          </span>
        </Alert>
      )}

      <Section title="Pipeline">
        <div className="grid gap-4 md:grid-cols-2">
          <Field id="pipeline-name" label="Name" errors={errors?.name} hint={`Letters, digits, '.', '_' and '-'. It names the training runs too: ${values.name.trim() || "name"}-12.`}>
            {(p) => <input {...p} name="name" value={values.name} onChange={set("name")} maxLength={80} autoComplete="off" spellCheck={false} placeholder="churn-nightly" />}
          </Field>
          <Field id="pipeline-description" label="Description (optional)" errors={errors?.description}>
            {(p) => <input {...p} name="description" value={values.description} onChange={set("description")} maxLength={2000} placeholder="Retrains on every upload of the subscribers export" />}
          </Field>
          <Field id="pipeline-model" label="Model" errors={errors?.model} hint="Each run registers a new version of this model and requests its promotion.">
            {(p) => (
              <select {...p} name="model" value={values.model} onChange={set("model")}>
                {models.length === 0 && <option value="">No registered models</option>}
                {values.model && !models.includes(values.model) && <option value={values.model}>{values.model} (not in this project)</option>}
                {models.map((m) => (
                  <option key={m} value={m}>
                    {m}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            id="pipeline-dataset"
            label="Dataset"
            errors={errors?.dataset}
            hint={dataset ? (dataset.latestVersion ? `Runs validate and train on a version of it (latest: v${dataset.latestVersion}).` : "It has no version yet: runs fail at validation until one is uploaded.") : "The data each run validates and trains on."}
          >
            {(p) => (
              <select {...p} name="dataset" value={values.dataset} onChange={set("dataset")}>
                {datasets.length === 0 && <option value="">No datasets</option>}
                {values.dataset && !datasets.some((d) => d.name === values.dataset) && <option value={values.dataset}>{values.dataset} (not in this project)</option>}
                {datasets.map((d) => (
                  <option key={d.name} value={d.name}>
                    {d.name}
                    {d.latestVersion ? ` (v${d.latestVersion})` : " (no versions yet)"}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      </Section>

      <Section title="Triggers" description="What starts a run by itself. Anyone who may run pipelines can also start one by hand (Run now) or through the API.">
        <div className="space-y-3">
          <Checkbox
            id="trigger-dataset-version"
            name="triggerDatasetVersion"
            checked={values.triggerDatasetVersion}
            onChange={toggle("triggerDatasetVersion")}
            label={`A new version of ${values.dataset || "the dataset"}`}
            hint="Each upload or reference starts a run on that version; one that fails validation stops at the first step."
          />
          <div className="space-y-2">
            <Checkbox id="trigger-schedule" name="triggerSchedule" checked={values.triggerSchedule} onChange={toggle("triggerSchedule")} label="On a schedule" hint="Trains on the newest version of the dataset at each tick." />
            <Field id="pipeline-cron" label="Cron schedule (UTC)" errors={errors?.cron} hint={cronHelp} className="ml-7 max-w-xl">
              {(p) => (
                <input
                  {...p}
                  name="cron"
                  value={values.cron}
                  onChange={set("cron")}
                  disabled={!values.triggerSchedule}
                  spellCheck={false}
                  autoCapitalize="off"
                  autoComplete="off"
                  placeholder="0 3 * * *"
                  className={cn(p.className, "font-mono")}
                />
              )}
            </Field>
          </div>
          <Checkbox
            id="trigger-drift-alert"
            name="triggerDriftAlert"
            checked={values.triggerDriftAlert}
            onChange={toggle("triggerDriftAlert")}
            label="A drift alert on the model in production"
            hint="When monitoring opens a drift alert, retrain on the newest version of the dataset."
          />
        </div>
      </Section>

      <Section title="Training">
        <CodeFields values={values} set={set} errors={errors} />
        <Field
          id="pipeline-command"
          label="Command"
          errors={errors?.command}
          hint={
            <>
              Runs in a shell on the cluster. <code>{"{param}"}</code> placeholders take parameter values. The job finds the dataset version at $FERRY_DATASET_PATH
              (uploads) or $FERRY_DATASET_URI, and logs to Ferry through MLFLOW_TRACKING_URI.
            </>
          }
        >
          {(p) => (
            <textarea
              {...p}
              name="command"
              value={values.command}
              onChange={set("command")}
              rows={3}
              spellCheck={false}
              autoCapitalize="off"
              className={cn(p.className, "font-mono text-xs leading-5")}
              placeholder="python train.py --epochs {epochs}"
            />
          )}
        </Field>
        <ParamRows
          idPrefix="pipeline-params"
          legend="Parameters"
          hint={
            <>
              Logged as each training run&apos;s parameters and substituted for <code>{"{name}"}</code> in the command. &ldquo;Run now&rdquo; can override them. Empty rows are ignored.
            </>
          }
          rows={rows}
          setRows={setRows}
          errors={errors?.params}
        >
          {unset.length > 0 && (
            <p className="text-xs text-amber-800">
              The command uses {unset.map((u) => `{${u}}`).join(", ")}, which no parameter sets: {unset.length === 1 ? "it stays" : "they stay"} as written.
            </p>
          )}
        </ParamRows>
      </Section>

      <Section title="Where to run">
        <WhereFields values={values} set={set} errors={errors} clusters={clusters} />
      </Section>

      <Section title="Registration and promotion">
        <div className="grid gap-4 md:grid-cols-2">
          <Field
            id="pipeline-artifact-path"
            label="Model artifact path"
            errors={errors?.artifactPath}
            hint={<>Where the trainer logs the model among the run&apos;s artifacts (mlflow.&lt;flavor&gt;.log_model&apos;s artifact_path). Registered as runs:/&lt;run&gt;/{values.artifactPath || "model"}.</>}
          >
            {(p) => <input {...p} name="artifactPath" value={values.artifactPath} onChange={set("artifactPath")} spellCheck={false} autoCapitalize="off" placeholder="model" className={cn(p.className, "font-mono text-xs")} />}
          </Field>
          <fieldset className="space-y-2" aria-describedby={errors?.promoteTo ? "pipeline-promote-error" : "pipeline-promote-hint"}>
            <legend className="text-sm font-medium text-slate-800">Request promotion to</legend>
            <p id="pipeline-promote-hint" className="text-xs text-slate-500">
              When every gate passes, the new version is requested for these environments. Ops still approve each request.
            </p>
            <div className="flex flex-wrap gap-x-6 gap-y-2">
              <Checkbox id="promote-staging" name="promoteStaging" checked={values.promoteStaging} onChange={toggle("promoteStaging")} label="Staging" invalid={Boolean(errors?.promoteTo)} />
              <Checkbox id="promote-production" name="promoteProduction" checked={values.promoteProduction} onChange={toggle("promoteProduction")} label="Production" invalid={Boolean(errors?.promoteTo)} />
            </div>
            {errors?.promoteTo && (
              <p id="pipeline-promote-error" className="text-sm text-red-700" role="alert">
                {errors.promoteTo.join(" ")}
              </p>
            )}
          </fieldset>
        </div>
      </Section>

      <div className="space-y-5 border-t border-slate-100 pt-5">
        <Checkbox
          id="pipeline-enabled"
          name="enabled"
          checked={values.enabled}
          onChange={toggle("enabled")}
          label="Enabled"
          hint="A disabled pipeline's triggers start nothing; it can still be run by hand. Triggered runs act as you, the person who saves the pipeline."
        />
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={pending} aria-disabled={pending}>
            {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <Save className="size-4" aria-hidden />}
            {pending ? "Saving…" : existing ? "Save changes" : "Create pipeline"}
          </Button>
          <Link href={existing ? `/projects/${slug}/pipelines/${encodeURIComponent(existing)}` : `/projects/${slug}/pipelines`} className={buttonClasses("ghost")}>
            Cancel
          </Link>
        </div>
      </div>
    </form>
  );
}

function Section({ title, description, children }: { title: string; description?: string; children: React.ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id} className="space-y-4">
      <div>
        <h3 id={id} className="text-sm font-semibold tracking-wide text-slate-500 uppercase">
          {title}
        </h3>
        {description && <p className="mt-0.5 text-sm text-slate-500">{description}</p>}
      </div>
      {children}
    </section>
  );
}

function Checkbox({
  id,
  name,
  label,
  hint,
  checked,
  onChange,
  invalid,
}: {
  id: string;
  name: string;
  label: string;
  hint?: string;
  checked: boolean;
  onChange: (e: React.ChangeEvent<HTMLInputElement>) => void;
  invalid?: boolean;
}) {
  return (
    <div className="flex gap-3">
      <input
        id={id}
        name={name}
        type="checkbox"
        checked={checked}
        onChange={onChange}
        aria-invalid={invalid || undefined}
        aria-describedby={hint ? `${id}-hint` : undefined}
        className="mt-0.5 size-4 shrink-0 rounded border-slate-300 text-brand-600 accent-brand-600 focus:ring-brand-500"
      />
      <div className="min-w-0">
        <label htmlFor={id} className="text-sm font-medium text-slate-800">
          {label}
        </label>
        {hint && (
          <p id={`${id}-hint`} className="text-xs text-slate-500">
            {hint}
          </p>
        )}
      </div>
    </div>
  );
}

type SetField = (k: keyof Values) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => void;

function CodeFields({ values, set, errors }: { values: Values; set: SetField; errors: Errors }) {
  const kind = values.codeKind;
  const mono = "font-mono text-xs";
  return (
    <div className="grid gap-4 md:grid-cols-[14rem_1fr_14rem]">
      <Field id="pipeline-code" label="Code" errors={errors?.codeKind ?? errors?.code}>
        {(p) => (
          <select {...p} name="codeKind" value={kind} onChange={set("codeKind")}>
            <option value="none">None: the command only</option>
            <option value="git">Git repository</option>
            <option value="image">Container image</option>
          </select>
        )}
      </Field>
      {kind === "git" && (
        <>
          <Field id="pipeline-repo" label="Repository URL" errors={errors?.codeRepo} hint="Cloned into the job's working directory.">
            {(p) => <input {...p} name="codeRepo" value={values.codeRepo} onChange={set("codeRepo")} placeholder="https://github.com/acme/churn.git" spellCheck={false} autoCapitalize="off" className={cn(p.className, mono)} />}
          </Field>
          <Field id="pipeline-commit" label="Commit" errors={errors?.codeCommit} hint="7 to 40 hex characters: every run trains the same code.">
            {(p) => <input {...p} name="codeCommit" value={values.codeCommit} onChange={set("codeCommit")} placeholder="3f2c9e1" spellCheck={false} autoCapitalize="off" className={cn(p.className, mono)} />}
          </Field>
        </>
      )}
      {kind === "image" && (
        <Field id="pipeline-image" label="Image" errors={errors?.codeImage} hint="Slurm and Kubernetes clusters only." className="md:col-span-2">
          {(p) => <input {...p} name="codeImage" value={values.codeImage} onChange={set("codeImage")} placeholder="ghcr.io/acme/train:1.4" spellCheck={false} autoCapitalize="off" className={cn(p.className, mono)} />}
        </Field>
      )}
      {kind === "none" && <p className="self-end pb-2 text-xs text-slate-500 md:col-span-2">The command runs as is, in an empty working directory on the cluster.</p>}
    </div>
  );
}

function WhereFields({ values, set, errors, clusters }: { values: Values; set: SetField; errors: Errors; clusters: PipelineClusterOption[] }) {
  const gpuCount = Number(values.gpuCount) || 0;
  const gpuTypes = [...new Set(clusters.flatMap((c) => c.gpus.map((g) => g.type)))].sort();
  const candidates = clusters.filter((c) => values.cluster === "any" || c.name === values.cluster);
  const fits = gpuCount === 0 ? candidates : candidates.filter((c) => c.gpus.some((g) => (!values.gpuType || g.type === values.gpuType) && g.count >= gpuCount));
  return (
    <>
      <div className="grid gap-4 md:grid-cols-4">
        <GpuClusterFields
          idPrefix="pipeline"
          values={values}
          onChange={set}
          errors={errors}
          gpuTypes={gpuTypes}
          clusters={clusters.map((c) => ({
            name: c.name,
            label: `${c.name} (${c.online ? "online" : "offline"}${c.gpus.length ? `, ${c.gpus.map((g) => `${g.count} × ${gpuTypeLabel(g.type)}`).join(", ")}` : ", CPU only"})`,
          }))}
          hints={{ cpu: "0 trains on CPU only.", gpuType: "Types registered clusters report.", gpuTypeCpu: "Not used on CPU." }}
        />
        <Field id="pipeline-priority" label="Priority" errors={errors?.priority} hint="-100 to 100; higher runs first.">
          {(p) => <input {...p} name="priority" type="number" min={-100} max={100} step={1} value={values.priority} onChange={set("priority")} className={cn(p.className, "tabular-nums")} />}
        </Field>
      </div>
      {clusters.length > 0 && Number.isInteger(gpuCount) && gpuCount >= 0 && (
        <p className={cn("text-sm", fits.length ? "text-slate-600" : "text-amber-800")} role="status">
          {fits.length
            ? `${gpuCount === 0 ? "CPU-only training" : `Training on ${formatGpuAsk(gpuCount, values.gpuType || null)}`} can go to ${fits.map((c) => c.name).join(", ")}.`
            : `${values.cluster === "any" ? "No registered cluster has" : `${values.cluster} does not have`} ${formatGpuAsk(gpuCount, values.gpuType || null)}: the pipeline would be refused.`}
        </p>
      )}
    </>
  );
}
