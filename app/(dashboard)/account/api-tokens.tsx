"use client";

import { Check, Copy } from "lucide-react";
import { useActionState, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { controlClasses, Field } from "@/components/ui/field";
import { useClipboard } from "@/components/ui/use-clipboard";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { cn } from "@/lib/cn";
import { createApiTokenAction, revokeApiTokenAction } from "@/lib/tokens/actions";

type NewToken = { id: string; name: string; prefix: string; token: string };

export function CreateApiTokenForm() {
  const [state, action] = useActionState<ActionState<NewToken>, FormData>(createApiTokenAction, idleState);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  const created = state.status === "success" && state.data && state.data.id !== dismissed ? state.data : null;
  return (
    <div className="space-y-4">
      <form action={action} className="flex flex-wrap items-start gap-3" noValidate>
        <Field
          id="token-name"
          label="Token name"
          hint="What will use it, e.g. “CI pipeline” or “Laptop notebook”."
          errors={errors?.name}
          className="min-w-60 flex-1"
        >
          {(p) => <input {...p} name="name" maxLength={100} autoComplete="off" defaultValue={values?.name} />}
        </Field>
        {/* Lines the button up with the input, below the field's label. */}
        <SubmitButton pendingLabel="Creating…" className="mt-[1.625rem]">
          Create token
        </SubmitButton>
      </form>
      {state.status === "error" && state.message && !errors && <Alert tone="error">{state.message}</Alert>}
      {created && <NewTokenNotice key={created.id} data={created} onDone={() => setDismissed(created.id)} />}
    </div>
  );
}

/** The one time the token is visible: focused and selected, with a copy button. */
function NewTokenNotice({ data, onDone }: { data: NewToken; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);

  const { copied, copy: copyText } = useClipboard(60_000);
  const copy = () => copyText(data.token);

  return (
    <div className="space-y-3 rounded-md bg-slate-50 p-4 ring-1 ring-slate-200 ring-inset" data-testid="new-api-token">
      <Alert tone="warning">
        Copy your new token <strong className="break-all">“{data.name}”</strong> now. Ferry keeps only a hash of it and <strong>will not show it again</strong>.
      </Alert>
      <div className="space-y-1.5">
        <label htmlFor="new-api-token" className="block text-sm font-medium text-slate-800">
          New API token
        </label>
        <div className="flex flex-wrap gap-2">
          <input
            ref={input}
            id="new-api-token"
            readOnly
            value={data.token}
            spellCheck={false}
            onFocus={(e) => e.currentTarget.select()}
            className={cn(controlClasses, "min-w-0 flex-1 basis-80 font-mono")}
          />
          <Button variant="secondary" onClick={copy}>
            {copied ? <Check className="size-4 text-emerald-600" aria-hidden /> : <Copy className="size-4" aria-hidden />}
            {copied ? "Copied" : "Copy"}
          </Button>
        </div>
        <p className="sr-only" role="status">
          {copied ? "Token copied to the clipboard." : ""}
        </p>
      </div>
      <Button variant="secondary" size="sm" onClick={onDone}>
        Done, I have stored it
      </Button>
    </div>
  );
}

/** Revoke with a confirm step; Escape or Cancel backs out and returns focus to the Revoke button. */
export function RevokeApiToken({ id, name, revoked }: { id: string; name: string; revoked: boolean }) {
  const [state, action] = useActionState<ActionState, FormData>(revokeApiTokenAction, idleState);
  const [confirming, setConfirming] = useState(false);
  const [backedOut, setBackedOut] = useState(false);
  const error = state.status === "error" ? (state.message ?? Object.values(state.fieldErrors ?? {})[0]?.[0]) : null;

  if (revoked) {
    // Stays mounted when the row turns "revoked", so keyboard focus lands on the outcome, not the page top.
    return state.status === "success" ? <RevokedNotice /> : null;
  }

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
          <input type="hidden" name="tokenId" value={id} />
          <span className="text-sm whitespace-nowrap text-slate-600">Revoke for good?</span>
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

const noSubscription = () => () => {};

/** How to call the API with a token; the origin is the one this page was loaded from. */
export function ApiUsageHint() {
  const origin = useSyncExternalStore(
    noSubscription,
    () => window.location.origin,
    () => "",
  );
  return (
    <pre className="overflow-x-auto rounded-md bg-slate-900 px-3 py-2.5 font-mono text-xs leading-relaxed text-slate-100">
      <code>
        curl -H &quot;Authorization: Bearer &lt;token&gt;&quot; {origin || "https://<your-ferry-host>"}/api/v1/projects
      </code>
    </pre>
  );
}
