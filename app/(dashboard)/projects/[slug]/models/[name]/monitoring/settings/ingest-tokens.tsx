"use client";

import { useActionState, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { CopyField } from "@/components/ui/copy-field";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { createIngestTokenAction, revokeIngestTokenAction } from "@/lib/monitoring/actions";

type NewToken = { id: string; name: string; displayPrefix: string; token: string };

export function CreateIngestTokenForm({ projectSlug, modelName }: { projectSlug: string; modelName: string }) {
  const [state, action] = useActionState<ActionState<NewToken>, FormData>(createIngestTokenAction, idleState);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  const created = state.status === "success" && state.data && state.data.id !== dismissed ? state.data : null;
  return (
    <div className="space-y-4">
      <form action={action} className="flex flex-wrap items-start gap-3" noValidate>
        <input type="hidden" name="projectSlug" value={projectSlug} />
        <input type="hidden" name="modelName" value={modelName} />
        <Field id="ingest-token-name" label="Token name" hint="What will send predictions, e.g. “churn-serving prod”." errors={errors?.name} className="min-w-60 flex-1">
          {(p) => <input {...p} name="name" maxLength={100} autoComplete="off" defaultValue={values?.name} />}
        </Field>
        {/* Lines the button up with the input, below the field's label. */}
        <SubmitButton pendingLabel="Creating…" className="mt-[1.625rem]">
          Create ingest token
        </SubmitButton>
      </form>
      {state.status === "error" && state.message && !errors && <Alert tone="error">{state.message}</Alert>}
      {created && <NewIngestToken key={created.id} projectSlug={projectSlug} modelName={modelName} data={created} onDone={() => setDismissed(created.id)} />}
    </div>
  );
}

const noSubscribe = () => () => {};

/** How the serving code sends a batch with the token; the origin is the one this page was loaded from. */
function curlExample(origin: string, slug: string, model: string, token: string): string {
  const url = `${origin || "https://<your-ferry-host>"}/api/v1/monitoring/${slug}/${encodeURIComponent(model)}/batches`;
  const body = `{"batchId": "2026-11-26T10", "rows": [{"id": "p-1", "features": {"age": 42, "plan": "basic"}, "prediction": "true", "score": 0.81}]}`;
  return `curl -H "Authorization: Bearer ${token}" -H 'content-type: application/json' \\\n  -d '${body}' \\\n  ${url}`;
}

/** The one time the token is visible: the token and a curl command that sends a batch with it. */
function NewIngestToken({ projectSlug, modelName, data, onDone }: { projectSlug: string; modelName: string; data: NewToken; onDone: () => void }) {
  const origin = useSyncExternalStore(noSubscribe, () => window.location.origin, () => "");
  return (
    <div className="space-y-4 rounded-md bg-slate-50 p-4 ring-1 ring-slate-200 ring-inset" data-testid="new-ingest-token">
      <Alert tone="warning">
        Copy the ingest token <strong className="break-all">“{data.name}”</strong> now. Ferry keeps only a hash of it and <strong>will not show it again</strong>.
      </Alert>
      <CopyField id="new-ingest-token" label="Ingest token" value={data.token} copyLabel="Copy ingest token" autoFocus />
      <div className="space-y-1">
        <CopyField id="new-ingest-token-curl" label="Send a batch of predictions" value={curlExample(origin, projectSlug, modelName, data.token)} copyLabel="Copy curl command" multiline />
        <p className="text-xs text-slate-500">
          Up to 10,000 rows a batch (gzip welcome); labels go to <code className="rounded bg-white px-1">…/labels</code> as{" "}
          <code className="rounded bg-white px-1">{`{"labels": [{"id": "p-1", "label": "false"}]}`}</code>.
        </p>
      </div>
      <Button variant="secondary" size="sm" onClick={onDone}>
        Done, I have stored it
      </Button>
    </div>
  );
}

/** Revoke with a confirm step; Escape or Cancel backs out and returns focus to the Revoke button. */
export function RevokeIngestToken({ projectSlug, modelName, id, name, revoked }: { projectSlug: string; modelName: string; id: string; name: string; revoked: boolean }) {
  const [state, action] = useActionState<ActionState, FormData>(revokeIngestTokenAction, idleState);
  const [confirming, setConfirming] = useState(false);
  const [backedOut, setBackedOut] = useState(false);
  const error = state.status === "error" ? (state.message ?? Object.values(state.fieldErrors ?? {})[0]?.[0]) : null;

  if (revoked) return state.status === "success" ? <RevokedNotice /> : null;

  const cancel = () => {
    setConfirming(false);
    setBackedOut(true);
  };
  return (
    <div className="flex flex-col items-end gap-1">
      {confirming ? (
        <form
          action={action}
          className="flex items-center justify-end gap-2"
          onKeyDown={(e) => {
            if (e.key === "Escape") cancel();
          }}
        >
          <input type="hidden" name="projectSlug" value={projectSlug} />
          <input type="hidden" name="modelName" value={modelName} />
          <input type="hidden" name="tokenId" value={id} />
          <span className="text-sm whitespace-nowrap text-slate-600">Batches sent with it will be refused. Revoke?</span>
          <SubmitButton variant="danger" size="sm" pendingLabel="Revoking…" aria-label={`Yes, revoke ${name}`} autoFocus>
            Yes, revoke
          </SubmitButton>
          <Button variant="ghost" size="sm" onClick={cancel}>
            Cancel
          </Button>
        </form>
      ) : (
        <Button variant="danger" size="sm" aria-label={`Revoke ${name}`} autoFocus={backedOut} onClick={() => setConfirming(true)}>
          Revoke
        </Button>
      )}
      {error && (
        <p className="text-sm text-red-700" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function RevokedNotice() {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <p ref={ref} role="status" tabIndex={-1} className="text-right text-sm text-slate-500 outline-none">
      Revoked.
    </p>
  );
}
