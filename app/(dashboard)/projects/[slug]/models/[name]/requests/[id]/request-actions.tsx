"use client";

import { Loader2 } from "lucide-react";
import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import { Alert } from "@/components/ui/alert";
import { Button, type ButtonVariant } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { idleState, type ActionState } from "@/lib/actions/state";
import { approvePromotionAction, overrideGatesAction, rejectPromotionAction, withdrawPromotionAction } from "@/lib/models/actions";

type Intent = "approve" | "reject" | "override" | "withdraw";
type State = ActionState & { intent?: Intent };

const actions: Record<Intent, (prev: ActionState, fd: FormData) => Promise<ActionState>> = {
  approve: approvePromotionAction,
  reject: rejectPromotionAction,
  override: overrideGatesAction,
  withdraw: withdrawPromotionAction,
};

export interface RequestActionsProps {
  projectSlug: string;
  modelName: string;
  requestId: string;
  status: "pending" | "blocked" | "approved" | "rejected" | "void";
  failedGates: number;
  /** Holds promotions.decide in this project and did not make the request. */
  canDecide: boolean;
  /** An admin, and the request is blocked by failed gates. */
  canOverride: boolean;
  /** The requester, while the request is open. */
  canWithdraw: boolean;
}

/**
 * Approve / reject, override, withdraw. One action state for all of them, kept while the page
 * re-renders with the new status, so the outcome stays on screen after the forms go away.
 */
export function RequestActions(props: RequestActionsProps) {
  const [state, dispatch] = useActionState<State, FormData>(async (prev, fd) => {
    const intent = fd.get("intent");
    if (intent !== "approve" && intent !== "reject" && intent !== "override" && intent !== "withdraw") {
      return { status: "error", message: "Choose what to do with the request." };
    }
    return { ...(await actions[intent](prev, fd)), intent };
  }, idleState);
  const open = props.status === "pending" || props.status === "blocked";
  const hidden = (
    <>
      <input type="hidden" name="projectSlug" value={props.projectSlug} />
      <input type="hidden" name="modelName" value={props.modelName} />
      <input type="hidden" name="requestId" value={props.requestId} />
    </>
  );

  return (
    <div className="space-y-6">
      {state.status === "success" && state.message && <Alert tone="success">{state.message}</Alert>}
      {open && props.canDecide && (
        <Card label="Decide">
          <CardHeader title="Decide" description="Your reason is recorded with the decision and in the project's audit log." />
          <form action={dispatch} className="space-y-4 px-5 py-4" noValidate>
            {hidden}
            <ReasonField id="decision-reason" label="Reason" state={state} intents={["approve", "reject"]} placeholder="e.g. Recall is up 8 points on the holdout set; rollout window agreed with the on-call team." />
            {props.status === "blocked" && (
              <p id="approve-blocked-note" className="text-sm text-amber-800">
                Approval is unavailable: {props.failedGates === 1 ? "a gate" : `${props.failedGates} gates`} failed. An admin must override the failed gates
                first; until then you can reject the request.
              </p>
            )}
            <FormError state={state} intents={["approve", "reject"]} />
            <div className="flex flex-wrap gap-2">
              <IntentButton
                intent="approve"
                pendingLabel="Approving…"
                disabled={props.status === "blocked"}
                aria-describedby={props.status === "blocked" ? "approve-blocked-note" : undefined}
              >
                Approve
              </IntentButton>
              <IntentButton intent="reject" variant="danger" pendingLabel="Rejecting…">
                Reject
              </IntentButton>
            </div>
          </form>
        </Card>
      )}
      {props.status === "blocked" && props.canOverride && (
        <Card label="Override failed gates">
          <CardHeader
            title="Override failed gates"
            description="As an admin you can let this request go to approval despite its failed gates. Someone other than the requester must still approve it."
          />
          <form action={dispatch} className="space-y-4 px-5 py-4" noValidate>
            {hidden}
            <ReasonField id="override-reason" label="Why override the gates?" state={state} intents={["override"]} />
            <FormError state={state} intents={["override"]} />
            <IntentButton intent="override" variant="secondary" pendingLabel="Overriding…">
              Override failed gates
            </IntentButton>
          </form>
        </Card>
      )}
      {open && props.canWithdraw && (
        <Card label="Withdraw">
          <CardHeader title="Withdraw your request" description="The request becomes void and can no longer be decided. You can request the promotion again later." />
          <form action={dispatch} className="space-y-4 px-5 py-4" noValidate>
            {hidden}
            <ReasonField id="withdraw-reason" label="Reason (optional)" state={state} intents={["withdraw"]} rows={2} />
            <FormError state={state} intents={["withdraw"]} />
            <IntentButton intent="withdraw" variant="danger" pendingLabel="Withdrawing…">
              Withdraw request
            </IntentButton>
          </form>
        </Card>
      )}
    </div>
  );
}

function ReasonField({
  id,
  label,
  state,
  intents,
  placeholder,
  rows = 3,
}: {
  id: string;
  label: string;
  state: State;
  intents: Intent[];
  placeholder?: string;
  rows?: number;
}) {
  const mine = state.status === "error" && state.intent !== undefined && intents.includes(state.intent);
  const errors = mine && state.status === "error" ? state.fieldErrors?.reason : undefined;
  const value = mine && state.status === "error" ? (state.values?.reason ?? "") : "";
  return (
    <Field id={id} label={label} errors={errors}>
      {(p) => <textarea {...p} name="reason" rows={rows} maxLength={2000} placeholder={placeholder} defaultValue={value} />}
    </Field>
  );
}

/** The action's own message (four eyes, already decided, …) and errors on fields the form does not show. */
function FormError({ state, intents }: { state: State; intents: Intent[] }) {
  if (state.status !== "error" || state.intent === undefined || !intents.includes(state.intent)) return null;
  const { reason: _reason, ...other } = state.fieldErrors ?? {};
  const otherErrors = Object.values(other).flat();
  if (state.fieldErrors?.reason && otherErrors.length === 0) return null;
  return <Alert tone="error">{otherErrors.length ? otherErrors.join(" ") : (state.message ?? "Something went wrong. Try again.")}</Alert>;
}

/** A submit button naming its intent; only the button that was pressed shows the pending state. */
function IntentButton({
  intent,
  children,
  pendingLabel,
  variant = "primary",
  disabled,
  ...rest
}: {
  intent: Intent;
  children: React.ReactNode;
  pendingLabel: string;
  variant?: ButtonVariant;
  disabled?: boolean;
  "aria-describedby"?: string;
}) {
  const { pending, data } = useFormStatus();
  const mine = pending && data?.get("intent") === intent;
  return (
    <Button type="submit" name="intent" value={intent} variant={variant} disabled={pending || disabled} aria-disabled={pending || disabled} {...rest}>
      {mine && <Loader2 className="size-4 animate-spin" aria-hidden />}
      {mine ? pendingLabel : children}
    </Button>
  );
}
