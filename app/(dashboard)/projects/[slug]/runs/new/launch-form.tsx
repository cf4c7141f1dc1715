"use client";

import { Loader2, Rocket } from "lucide-react";
import Link from "next/link";
import { useActionState, useEffect, useId, useRef, useState, useTransition } from "react";
import { formatGpuAsk, gpuTypeLabel } from "@/components/clusters/format";
import { GpuClusterFields } from "@/components/runs/gpu-cluster-fields";
import { ParamRows, type ParamRow } from "@/components/runs/param-rows";
import { Alert } from "@/components/ui/alert";
import { Button, buttonClasses } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { idleState, type ActionState } from "@/lib/actions/state";
import { cn } from "@/lib/cn";
import { formatCount } from "@/lib/format";
import { datasetVersionValue, type CodeKind, type LaunchFormValues } from "@/lib/runs/launch-form-fields";
import { placeholdersOf } from "@/lib/runs/placeholders";
import type { LaunchDataset } from "@/lib/runs/page-queries";
import { launchRunAction } from "@/lib/runs/actions";

export interface ClusterOption {
  name: string;
  executor: string;
  online: boolean;
  inventoryReported: boolean;
  gpus: { type: string; count: number; inUse: number }[];
}

type Row = ParamRow;
type Values = Omit<LaunchFormValues, "params">;

/**
 * The launch form. Its fields are controlled and it submits through a transition rather than the
 * form's action prop, so a refused launch keeps everything typed (a form action would reset it).
 */
export function LaunchForm({
  slug,
  datasets,
  clusters,
  initial,
}: {
  slug: string;
  datasets: LaunchDataset[];
  clusters: ClusterOption[];
  initial: LaunchFormValues;
}) {
  const [state, dispatch, pending] = useActionState<ActionState, FormData>(launchRunAction, idleState);
  const [, startTransition] = useTransition();
  const { params: initialParams, ...initialValues } = initial;
  const [values, setValues] = useState<Values>(initialValues);
  const [rows, setRows] = useState<Row[]>(() => initialParams.map((p, i) => ({ id: i, ...p })));
  const formRef = useRef<HTMLFormElement>(null);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const set = (k: keyof Values) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) =>
    setValues((v) => ({ ...v, [k]: e.target.value }));

  // After a refusal, take keyboard focus to the first field that needs attention.
  useEffect(() => {
    if (state.status !== "error") return;
    const invalid = formRef.current?.querySelector<HTMLElement>("[aria-invalid=true]");
    (invalid ?? document.getElementById("launch-error"))?.focus();
  }, [state]);

  const gpuCount = Number(values.gpuCount) || 0;
  const gpuTypes = [...new Set(clusters.flatMap((c) => c.gpus.map((g) => g.type)))].sort();
  const unset = placeholdersOf(values.command).filter((p) => !rows.some((r) => r.key.trim() === p));

  return (
    <form
      ref={formRef}
      noValidate
      className="space-y-8"
      aria-describedby={state.status === "error" ? "launch-error" : undefined}
      onSubmit={(e) => {
        e.preventDefault();
        const fd = new FormData(e.currentTarget);
        startTransition(() => dispatch(fd));
      }}
    >
      <input type="hidden" name="projectSlug" value={slug} />
      {state.status === "error" && state.message && (
        <Alert tone="error">
          <span id="launch-error" tabIndex={-1} className="outline-none">
            {state.message}
          </span>
        </Alert>
      )}

      <Section title="What to run">
        <div className="grid gap-4 md:grid-cols-2">
          <Field id="launch-name" label="Run name" errors={errors?.name} hint="Optional: Ferry picks a name when empty.">
            {(p) => <input {...p} name="name" value={values.name} onChange={set("name")} maxLength={250} autoComplete="off" placeholder="balanced-lr-0.1" />}
          </Field>
          <Field id="launch-dataset" label="Dataset version" errors={errors?.datasetVersion} hint={
              datasets.length === 0
                ? "This project has no dataset versions yet; the run gets no dataset."
                : "The job finds the file at $FERRY_DATASET_PATH (uploads) or its URI at $FERRY_DATASET_URI."
            }
          >
            {(p) => (
              <select {...p} name="datasetVersion" value={values.datasetVersion} onChange={set("datasetVersion")}>
                <option value="">None</option>
                <DatasetOptions datasets={datasets} selected={values.datasetVersion} />
              </select>
            )}
          </Field>
        </div>

        <CodeFields values={values} set={set} errors={errors} />

        <Field
          id="launch-command"
          label="Command"
          errors={errors?.command}
          hint={
            <>
              Runs in a shell. <code>{"{param}"}</code> placeholders take parameter values (shell-quoted). The job gets MLFLOW_TRACKING_URI, MLFLOW_RUN_ID,
              MLFLOW_EXPERIMENT_ID, MLFLOW_TRACKING_TOKEN, FERRY_DATASET_PATH / FERRY_DATASET_URI and CUDA_VISIBLE_DEVICES.
            </>
          }
        >
          {(p) => (
            <textarea
              {...p}
              name="command"
              value={values.command}
              onChange={set("command")}
              rows={4}
              spellCheck={false}
              autoCapitalize="off"
              className={cn(p.className, "font-mono text-xs leading-5")}
              placeholder="python train.py --epochs {epochs}"
            />
          )}
        </Field>

        <ParamRows
          idPrefix="launch-params"
          legend="Parameters"
          hint={
            <>
              Logged as the run&apos;s parameters, and substituted for <code>{"{name}"}</code> in the command. Empty rows are ignored.
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
        <div className="grid gap-4 md:grid-cols-3">
          <GpuClusterFields
            idPrefix="launch"
            values={values}
            onChange={set}
            errors={errors}
            gpuTypes={gpuTypes}
            clusters={clusters.map((c) => ({ name: c.name, label: clusterLabel(c) }))}
            hints={{ cpu: "0 runs on CPU only.", gpuType: "The types registered clusters report.", gpuTypeCpu: "Not used for a CPU-only run." }}
          />
        </div>
        <FitHint clusters={clusters} count={gpuCount} type={values.gpuType || null} cluster={values.cluster} />
        <Field id="launch-priority" label="Priority" errors={errors?.priority} hint="Higher runs first; equal priorities run in launch order. Between -100 and 100." className="max-w-xs">
          {(p) => <input {...p} name="priority" type="number" min={-100} max={100} step={1} value={values.priority} onChange={set("priority")} className={cn(p.className, "tabular-nums")} />}
        </Field>
      </Section>

      <div className="flex flex-wrap items-center gap-3 border-t border-slate-100 pt-5">
        <Button type="submit" disabled={pending} aria-disabled={pending}>
          {pending ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <Rocket className="size-4" aria-hidden />}
          {pending ? "Launching…" : "Launch run"}
        </Button>
        <Link href={`/projects/${slug}/runs`} className={buttonClasses("ghost")}>
          Cancel
        </Link>
      </div>
    </form>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id} className="space-y-4">
      <h3 id={id} className="text-sm font-semibold tracking-wide text-slate-500 uppercase">
        {title}
      </h3>
      {children}
    </section>
  );
}

function DatasetOptions({ datasets, selected }: { datasets: LaunchDataset[]; selected: string }) {
  const known = new Set(datasets.flatMap((d) => d.versions.map((v) => datasetVersionValue(d.name, v.version))));
  return (
    <>
      {datasets.map((d) => (
        <optgroup key={d.name} label={d.name}>
          {d.versions.map((v, i) => (
            <option key={v.version} value={datasetVersionValue(d.name, v.version)}>
              {d.name} v{v.version}
              {i === 0 ? " (latest)" : ""}
              {v.rowCount !== null ? ` · ${formatCount(v.rowCount)} rows` : ""}
              {v.validation === "fail" ? " · failed validation" : v.validation === "warn" ? " · validation warnings" : ""}
            </option>
          ))}
        </optgroup>
      ))}
      {selected && !known.has(selected) && <option value={selected}>{selected.replace("@", " v")}</option>}
    </>
  );
}

type SetField = (k: keyof Values) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => void;

function CodeFields({ values, set, errors }: { values: Values; set: SetField; errors?: Record<string, string[]> }) {
  const kind: CodeKind = values.codeKind;
  return (
    <div className="grid gap-4 md:grid-cols-[14rem_1fr_14rem]">
      <Field id="launch-code" label="Code" errors={errors?.codeKind ?? errors?.code}>
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
          <Field id="launch-repo" label="Repository URL" errors={errors?.codeRepo} hint="Cloned into the job's working directory.">
            {(p) => <input {...p} name="codeRepo" value={values.codeRepo} onChange={set("codeRepo")} placeholder="https://github.com/acme/churn.git" spellCheck={false} autoCapitalize="off" className={cn(p.className, "font-mono text-xs")} />}
          </Field>
          <Field id="launch-commit" label="Commit" errors={errors?.codeCommit} hint="7 to 40 hex characters.">
            {(p) => <input {...p} name="codeCommit" value={values.codeCommit} onChange={set("codeCommit")} placeholder="3f2c9e1" spellCheck={false} autoCapitalize="off" className={cn(p.className, "font-mono text-xs")} />}
          </Field>
        </>
      )}
      {kind === "image" && (
        <Field id="launch-image" label="Image" errors={errors?.codeImage} hint="Slurm and Kubernetes clusters only." className="md:col-span-2">
          {(p) => <input {...p} name="codeImage" value={values.codeImage} onChange={set("codeImage")} placeholder="ghcr.io/acme/train:1.4" spellCheck={false} autoCapitalize="off" className={cn(p.className, "font-mono text-xs")} />}
        </Field>
      )}
      {kind === "none" && <p className="self-end pb-2 text-xs text-slate-500 md:col-span-2">The command runs as is, in an empty working directory on the cluster.</p>}
    </div>
  );
}


function freeGpus(c: ClusterOption, type: string | null): { type: string; free: number; total: number }[] {
  return c.gpus.filter((g) => !type || g.type === type).map((g) => ({ type: g.type, free: Math.max(0, g.count - g.inUse), total: g.count }));
}

function clusterLabel(c: ClusterOption): string {
  const state = c.online ? "online" : "offline";
  if (!c.inventoryReported) return `${c.name} — ${state}, no agent yet`;
  if (c.gpus.length === 0) return `${c.name} — ${state}, CPU only`;
  return `${c.name} — ${state}, ${c.gpus.map((g) => `${Math.max(0, g.count - g.inUse)}/${g.count} ${gpuTypeLabel(g.type)} free`).join(", ")}`;
}

/** Which clusters could ever run the request, computed in the browser as a hint; the server decides. */
function FitHint({ clusters, count, type, cluster }: { clusters: ClusterOption[]; count: number; type: string | null; cluster: string }) {
  if (clusters.length === 0 || !Number.isInteger(count) || count < 0) return null;
  const candidates = clusters.filter((c) => cluster === "any" || c.name === cluster);
  const fits = count === 0 ? candidates : candidates.filter((c) => freeGpus(c, type).some((g) => g.total >= count));
  const ask = formatGpuAsk(count, type);
  if (fits.length === 0) {
    return (
      <p className="text-sm text-amber-800" role="status">
        {cluster === "any" ? `No registered cluster has ${ask}.` : `${cluster} does not have ${ask}.`} The launch will be refused.
      </p>
    );
  }
  const free = (c: ClusterOption) => (count === 0 ? true : freeGpus(c, type).some((g) => g.free >= count));
  return (
    <p className="text-sm text-slate-600" role="status">
      {count === 0 ? "A CPU-only run" : `A run with ${ask}`} can go to{" "}
      {fits.map((c, i) => (
        <span key={c.name}>
          {i > 0 && ", "}
          <strong className="font-medium text-slate-800">{c.name}</strong> ({!c.online ? "offline: waits for its agent" : free(c) ? "free now" : "waits for GPUs"})
        </span>
      ))}
      .
    </p>
  );
}
