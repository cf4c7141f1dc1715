"use client";

import { useActionState, useState } from "react";
import { AgentTokenNotice } from "@/components/clusters/agent-token-notice";
import { executorLabels } from "@/components/clusters/format";
import { Alert } from "@/components/ui/alert";
import { Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { registerClusterAction, type IssuedAgentToken } from "@/lib/clusters/actions";

const executors = ["slurm", "kubernetes", "local"] as const;

export function RegisterClusterForm() {
  const [state, action] = useActionState<ActionState<IssuedAgentToken>, FormData>(registerClusterAction, idleState);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  const issued = state.status === "success" && state.data && state.data.token !== dismissed ? state.data : null;
  return (
    <div className="space-y-4">
      <form action={action} className="space-y-4" noValidate>
        <div className="grid gap-4 md:grid-cols-2">
          <Field id="cluster-name" label="Name" errors={errors?.name} hint="Lowercase letters, digits and '-', e.g. gpu-west. Runs name it when they ask for this cluster.">
            {(p) => <input {...p} name="name" placeholder="gpu-west" defaultValue={values?.name} autoComplete="off" maxLength={40} />}
          </Field>
          <Field id="cluster-executor" label="Executor" errors={errors?.executor} hint="How the agent starts jobs on this cluster.">
            {(p) => (
              <select {...p} name="executor" defaultValue={values?.executor ?? "slurm"}>
                {executors.map((e) => (
                  <option key={e} value={e}>
                    {executorLabels[e]} ({e})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="cluster-description" label="Description (optional)" errors={errors?.description}>
            {(p) => <input {...p} name="description" placeholder="8 × H100 in the Frankfurt lab" defaultValue={values?.description} maxLength={500} />}
          </Field>
          <Field id="cluster-cost" label="Cost per GPU-hour (optional)" errors={errors?.costPerGpuHour} hint="In dollars; used for the cost of runs and projects. Empty: not tracked.">
            {(p) => <input {...p} name="costPerGpuHour" inputMode="decimal" placeholder="2.50" defaultValue={values?.costPerGpuHour} />}
          </Field>
        </div>
        {state.status === "error" && state.message && !errors && <Alert tone="error">{state.message}</Alert>}
        <SubmitButton pendingLabel="Registering…">Register cluster</SubmitButton>
      </form>
      {issued && <AgentTokenNotice key={issued.token} {...issued} onDone={() => setDismissed(issued.token)} />}
    </div>
  );
}
