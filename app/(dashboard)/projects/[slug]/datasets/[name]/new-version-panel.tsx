"use client";

import { FileUp, Link2, Loader2, X } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useActionState, useEffect, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { cn } from "@/lib/cn";
import { registerReferenceAction } from "@/lib/datasets/actions";
import { formatBytes } from "@/lib/format";

type Mode = "upload" | "reference";

export function NewVersionPanel(props: { projectSlug: string; datasetName: string; uploadUrl: string; limitBytes: number; limitLabel: string }) {
  const [mode, setMode] = useState<Mode>("upload");
  return (
    <Card>
      <CardHeader title="New version" description="Versions are numbered and immutable; identical content is detected by its sha256." />
      <div className="px-5 pt-3">
        <div role="group" aria-label="How to add the version" className="inline-flex rounded-md bg-slate-100 p-0.5 text-sm">
          {(
            [
              ["upload", "Upload a CSV", FileUp],
              ["reference", "Register external data", Link2],
            ] as const
          ).map(([m, label, Icon]) => (
            <button
              key={m}
              type="button"
              aria-pressed={mode === m}
              onClick={() => setMode(m)}
              className={cn(
                "inline-flex items-center gap-1.5 rounded px-3 py-1.5 font-medium",
                mode === m ? "bg-white text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900",
              )}
            >
              <Icon className="size-4" aria-hidden />
              {label}
            </button>
          ))}
        </div>
      </div>
      <div className="px-5 py-4">{mode === "upload" ? <UploadForm {...props} /> : <ReferenceForm {...props} />}</div>
    </Card>
  );
}

type UploadState =
  | { phase: "idle" }
  | { phase: "uploading"; loaded: number; total: number }
  | { phase: "processing" }
  | { phase: "error"; message: string; existingUrl?: string }
  | { phase: "cancelled" };

function UploadForm({ uploadUrl, limitBytes, limitLabel }: { uploadUrl: string; limitBytes: number; limitLabel: string }) {
  const router = useRouter();
  const [file, setFile] = useState<File | null>(null);
  const [state, setState] = useState<UploadState>({ phase: "idle" });
  const [dragging, setDragging] = useState(false);
  const xhrRef = useRef<XMLHttpRequest | null>(null);

  useEffect(() => () => xhrRef.current?.abort(), []);

  const busy = state.phase === "uploading" || state.phase === "processing";

  function choose(f: File | null) {
    setFile(f);
    if (f && f.size > limitBytes) {
      setState({ phase: "error", message: `${f.name} is ${formatBytes(f.size)}; the limit is ${limitLabel}.` });
    } else {
      setState({ phase: "idle" });
    }
  }

  function start() {
    if (!file || busy) return;
    const xhr = new XMLHttpRequest();
    xhrRef.current = xhr;
    const body = new FormData();
    body.append("file", file, file.name);
    xhr.open("POST", uploadUrl);
    xhr.responseType = "json";
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) setState({ phase: "uploading", loaded: e.loaded, total: e.total });
    };
    // Every byte is sent: the server is now hashing, profiling and validating.
    xhr.upload.onload = () => setState({ phase: "processing" });
    xhr.onload = () => {
      xhrRef.current = null;
      const res = (xhr.response ?? {}) as { url?: string; error?: string };
      if (xhr.status === 201 && res.url) {
        router.push(res.url);
        router.refresh();
      } else {
        setState({
          phase: "error",
          message: res.error ?? `The upload failed (HTTP ${xhr.status}).`,
          existingUrl: xhr.status === 409 ? res.url : undefined,
        });
      }
    };
    xhr.onerror = () => {
      xhrRef.current = null;
      setState({ phase: "error", message: "The upload was interrupted (network error). Nothing was saved; try again." });
    };
    xhr.onabort = () => {
      xhrRef.current = null;
      setState({ phase: "cancelled" });
    };
    setState({ phase: "uploading", loaded: 0, total: file.size });
    xhr.send(body);
  }

  const percent = state.phase === "uploading" && state.total > 0 ? Math.round((state.loaded / state.total) * 100) : state.phase === "processing" ? 100 : 0;

  return (
    <div className="space-y-3">
      <input
        id="version-file"
        name="file"
        type="file"
        accept=".csv,text/csv"
        className="peer sr-only"
        disabled={busy}
        onChange={(e) => choose(e.target.files?.[0] ?? null)}
      />
      <label
        htmlFor="version-file"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          if (!busy) choose(e.dataTransfer.files[0] ?? null);
        }}
        className={cn(
          "flex cursor-pointer flex-col items-center justify-center gap-1 rounded-lg border-2 border-dashed px-6 py-6 text-center text-sm transition-colors peer-focus-visible:ring-2 peer-focus-visible:ring-brand-500 peer-focus-visible:ring-offset-2",
          dragging ? "border-brand-500 bg-brand-50" : "border-slate-300 hover:border-slate-400",
          busy && "pointer-events-none opacity-60",
        )}
      >
        <FileUp className="size-6 text-slate-400" aria-hidden />
        {file ? (
          <span className="font-medium text-slate-800">
            {file.name} <span className="font-normal text-slate-500">· {formatBytes(file.size)}</span>
          </span>
        ) : (
          <span className="text-slate-700">
            <span className="font-medium text-brand-700">Choose a CSV file</span> or drop it here
          </span>
        )}
        <span className="text-xs text-slate-500">UTF-8, comma-separated, header row first · up to {limitLabel}</span>
      </label>

      {(state.phase === "uploading" || state.phase === "processing") && (
        <div className="space-y-1.5">
          <div
            role="progressbar"
            aria-label="Upload progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            className="h-2 overflow-hidden rounded-full bg-slate-100"
          >
            <div className="h-full rounded-full bg-brand-600 transition-[width]" style={{ width: `${percent}%` }} />
          </div>
          <p className="flex items-center gap-1.5 text-xs text-slate-600" aria-live="polite">
            {state.phase === "uploading" ? (
              `Uploading… ${percent}% (${formatBytes(state.loaded)} of ${formatBytes(state.total)})`
            ) : (
              <>
                <Loader2 className="size-3.5 animate-spin" aria-hidden /> Uploaded. Computing digest, profile and validation…
              </>
            )}
          </p>
        </div>
      )}

      {state.phase === "error" && (
        <Alert tone="error">
          {state.message}{" "}
          {state.existingUrl && (
            <Link href={state.existingUrl} className="font-medium underline">
              Open the existing version
            </Link>
          )}
        </Alert>
      )}
      {state.phase === "cancelled" && <Alert tone="info">Upload cancelled. Nothing was saved.</Alert>}

      <div className="flex gap-2">
        <Button onClick={start} disabled={!file || busy || (file !== null && file.size > limitBytes)}>
          {busy ? <Loader2 className="size-4 animate-spin" aria-hidden /> : <FileUp className="size-4" aria-hidden />}
          {busy ? "Uploading…" : "Upload version"}
        </Button>
        {state.phase === "uploading" && (
          <Button variant="secondary" onClick={() => xhrRef.current?.abort()}>
            <X className="size-4" aria-hidden /> Cancel upload
          </Button>
        )}
      </div>
    </div>
  );
}

function ReferenceForm({ projectSlug, datasetName }: { projectSlug: string; datasetName: string }) {
  const [state, action] = useActionState<ActionState, FormData>(registerReferenceAction, idleState);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  return (
    <form action={action} className="space-y-3" noValidate>
      <input type="hidden" name="projectSlug" value={projectSlug} />
      <input type="hidden" name="datasetName" value={datasetName} />
      <p className="text-sm text-slate-600">
        For data that lives elsewhere: Ferry records the URI and digest (no copy, no profile). Rules that need the data itself show as not
        checked.
      </p>
      <Field id="ref-uri" label="URI" errors={errors?.uri} hint="s3://, gs://, az://, hdfs:// or https://">
        {(p) => <input {...p} name="uri" placeholder="s3://bucket/path/customers-2026-11.csv" defaultValue={values?.uri} />}
      </Field>
      <div className="grid gap-3 md:grid-cols-[1fr_12rem]">
        <Field id="ref-sha256" label="sha256" errors={errors?.sha256} hint="64 hex characters, e.g. from sha256sum">
          {(p) => <input {...p} name="sha256" className={cn(p.className, "font-mono")} defaultValue={values?.sha256} autoComplete="off" />}
        </Field>
        <Field id="ref-rows" label="Row count (optional)" errors={errors?.rowCount}>
          {(p) => <input {...p} name="rowCount" inputMode="numeric" defaultValue={values?.rowCount} />}
        </Field>
      </div>
      {state.status === "error" && state.message && !errors && <Alert tone="error">{state.message}</Alert>}
      <SubmitButton pendingLabel="Registering…">Register version</SubmitButton>
    </form>
  );
}
