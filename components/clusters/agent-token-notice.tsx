"use client";

import { useSyncExternalStore } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { CopyField } from "@/components/ui/copy-field";

const noSubscribe = () => () => {};

/** The agent's command line for this server; the origin is the one the browser reached Ferry at. */
export function agentCommand(origin: string, token: string, executor: string): string {
  return `npm run agent -- --server ${origin} --token ${token} --executor ${executor}`;
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
          Run it from a checkout of Ferry on the cluster&apos;s login node or workstation. The agent connects out to this server over HTTPS. To keep the
          token out of the process list, set <code className="rounded bg-white px-1">FERRY_AGENT_TOKEN</code> instead of passing <code className="rounded bg-white px-1">--token</code>.
        </p>
      </div>
      <Button variant="secondary" size="sm" onClick={onDone}>
        Done, I have stored it
      </Button>
    </div>
  );
}
