"use client";

import { useSyncExternalStore } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { CopyField } from "@/components/ui/copy-field";

const noSubscribe = () => () => {};

/**
 * The agent's command line for this server; the origin is the one the browser reached Ferry at.
 * Slurm and Kubernetes clusters report their own GPUs, so `--gpus` (local executor only) never appears.
 */
export function agentCommand(origin: string, token: string, executor: string): string {
  return `npm run agent -- --server ${origin} --token ${token} --executor ${executor}`;
}

const code = (text: string) => <code className="rounded bg-white px-1">{text}</code>;

/** Where the agent runs and what it needs there, per executor. */
function WhereToRun({ executor }: { executor: string }) {
  if (executor === "slurm") {
    return (
      <>
        Run it from a checkout of Ferry on a Slurm login node, as the user whose account the jobs should run under: it submits runs with {code("sbatch")}, follows them
        with {code("squeue")} and {code("sacct")}, cancels with {code("scancel")}, and reads the GPUs from Slurm. Partition, time limit and account are set on
        the cluster&apos;s page.
      </>
    );
  }
  if (executor === "kubernetes") {
    return (
      <>
        Run it from a checkout of Ferry where a kubeconfig reaches the cluster ({code("KUBECONFIG")} or {code("~/.kube/config")}), or in a pod of the
        cluster with a service account that may create Jobs and Secrets and read pods and their logs in the namespace. It reads the GPUs from the
        nodes&apos; {code("nvidia.com/gpu")} capacity. Namespace and default image are set on the cluster&apos;s page.
      </>
    );
  }
  return (
    <>
      Run it from a checkout of Ferry on the workstation whose GPUs it should use. It asks {code("nvidia-smi")} for them; add {code("--gpus h100:4")} to declare
      them instead.
    </>
  );
}

/** The one time an agent token is visible: the token and the command that starts the agent with it. */
export function AgentTokenNotice({
  cluster,
  executor,
  token,
  rotated = false,
  onDone,
}: {
  cluster: string;
  executor: string;
  token: string;
  rotated?: boolean;
  onDone: () => void;
}) {
  const origin = useSyncExternalStore(noSubscribe, () => window.location.origin, () => "");
  return (
    <div className="space-y-4 rounded-md bg-slate-50 p-4 ring-1 ring-slate-200 ring-inset" data-testid="agent-token">
      <Alert tone="warning">
        {rotated ? "New agent token" : "Agent token"} for <strong>{cluster}</strong>: copy it now. Ferry keeps only a hash of it and{" "}
        <strong>will not show it again</strong>.{rotated && " The previous token has stopped working; restart the agent with this one."}
      </Alert>
      <CopyField id={`agent-token-${cluster}`} label="Agent token" value={token} copyLabel="Copy token" autoFocus />
      <div className="space-y-1">
        <CopyField id={`agent-command-${cluster}`} label="Start the agent next to the cluster" value={agentCommand(origin, token, executor)} copyLabel="Copy command" multiline />
        <p className="text-xs text-slate-500">
          <WhereToRun executor={executor} /> The agent connects out to this server over HTTPS. To keep the token out of the process list, set{" "}
          {code("FERRY_AGENT_TOKEN")} instead of passing {code("--token")}.
        </p>
      </div>
      <Button variant="secondary" size="sm" onClick={onDone}>
        Done, I have stored it
      </Button>
    </div>
  );
}
