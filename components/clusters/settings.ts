import type { ClusterSettings, ExecutorKind } from "@/lib/agent/protocol";

// The executor settings of a cluster, as the edit form asks for them and the cluster page shows them.
// Which keys each executor stores is decided by lib/clusters/schemas.ts (executorSettingKeys).

export interface SettingField {
  key: keyof ClusterSettings;
  label: string;
  hint: string;
  placeholder: string;
  /** Shown read-only when the setting is empty: what the scheduler does then. */
  unset: string;
}

export const settingFields: Record<ExecutorKind, SettingField[]> = {
  local: [],
  slurm: [
    { key: "partition", label: "Partition", hint: "sbatch --partition; empty: the cluster's default partition.", placeholder: "gpu", unset: "The cluster's default" },
    {
      key: "timeLimit",
      label: "Time limit",
      hint: "sbatch --time, e.g. 04:00:00 or 2-00:00:00; empty: the partition's limit.",
      placeholder: "04:00:00",
      unset: "The partition's limit",
    },
    { key: "account", label: "Account", hint: "sbatch --account; empty: your default account.", placeholder: "ml-team", unset: "The default account" },
  ],
  kubernetes: [
    { key: "namespace", label: "Namespace", hint: "Where Jobs are created; empty: default.", placeholder: "ml-training", unset: "default" },
    {
      key: "image",
      label: "Default image",
      hint: "For runs launched with a git repository or no code, e.g. python:3.12-slim.",
      placeholder: "python:3.12-slim",
      unset: "None: only runs launched with an image can start",
    },
  ],
};

/** "Slurm settings", or null for executors without settings. */
export function settingsTitle(executor: string): string | null {
  if (executor === "slurm") return "Slurm settings";
  if (executor === "kubernetes") return "Kubernetes settings";
  return null;
}

export function fieldsOf(executor: string): SettingField[] {
  return settingFields[executor as ExecutorKind] ?? [];
}
