// Words for what a cluster's own scheduler (Slurm, Kubernetes) says about a run's job: the run
// page's "Slurm job" item and its "Waiting in Slurm's queue" line, and the runs table's tooltip.

export const schedulerNames: Record<string, string> = { slurm: "Slurm", kubernetes: "Kubernetes" };

/** "Slurm job", "Kubernetes Job" (its kind is spelt that way), or a generic label. */
export function schedulerJobLabel(executor: string | null): string {
  if (executor === "slurm") return "Slurm job";
  if (executor === "kubernetes") return "Kubernetes Job";
  return "Scheduler job";
}

// Slurm's pending reasons (squeue %r; `man squeue`, "JOB REASON CODES"), the common ones in words.
const slurmReasons: Record<string, string> = {
  Resources: "the GPUs it asks for are in use",
  Priority: "jobs with a higher priority are ahead of it",
  ReqNodeNotAvail: "a node it needs is unavailable (down, drained or reserved)",
  PartitionDown: "the partition is down",
  PartitionInactive: "the partition is not accepting jobs",
  PartitionNodeLimit: "it asks for more nodes than the partition allows",
  PartitionTimeLimit: "its time limit is longer than the partition allows",
  BeginTime: "its start time has not come yet",
  Dependency: "it waits for jobs it depends on",
  DependencyNeverSatisfied: "a job it depends on failed, so it will never start",
  JobHeldUser: "a user put it on hold (scontrol release frees it)",
  JobHeldAdmin: "a Slurm administrator put it on hold",
  Reservation: "it waits for its reservation to start",
  NodeDown: "a node it needs is down",
  BadConstraints: "no node satisfies its constraints",
  Licenses: "the licenses it needs are in use",
  QOSNotAllowed: "the account may not use this QOS",
  InvalidAccount: "the Slurm account is not valid",
  InvalidQOS: "the QOS is not valid",
};

/** Friendly words for one of Slurm's reason codes; null when there are none (the code is shown alone). */
export function explainSlurmReason(reason: string): string | null {
  // "ReqNodeNotAvail, UnavailableNodes:gpu[01-02]": the code comes first.
  const code = reason.split(/[,\s(]/, 1)[0]!.trim();
  if (slurmReasons[code]) return slurmReasons[code];
  // QOSMaxGRESPerUser, AssocGrpGRES, QOSGrpGRESRunMinutes…: a GPU (generic resource) limit.
  if (/^(QOS|Assoc).*GRES/.test(code)) return "a GPU limit of the Slurm account or QOS is reached; it starts when other jobs under that limit end";
  // AssocGrpCpuLimit, QOSMaxJobsPerUserLimit, AssocMaxWallDurationPerJobLimit…
  if (/^(QOS|Assoc)/.test(code) || /Limit$/.test(code)) return "a limit of the Slurm account or QOS is reached; it starts when other jobs under that limit end";
  return null;
}

/** Slurm's "None" (or an empty reason) says nothing: not worth a line. */
export function meaningfulReason(reason: string | null | undefined): string | null {
  const r = reason?.trim();
  return r && r !== "None" ? r : null;
}

/**
 * "Resources (the GPUs it asks for are in use)" for Slurm; Kubernetes' message as it is. Slurm's own
 * word always comes first, so it can be looked up and matched with squeue.
 */
export function describeSchedulerReason(executor: string | null, reason: string): string {
  if (executor !== "slurm") return reason;
  const words = explainSlurmReason(reason);
  return words ? `${reason} (${words})` : reason;
}

/** The line shown while a run waits in the cluster's queue: "Waiting in Slurm's queue" and "Resources (…)". */
export function schedulerWait(executor: string | null, reason: string): { lead: string; detail: string } {
  const where = executor === "slurm" ? "Slurm's queue" : executor === "kubernetes" ? "Kubernetes" : "the cluster's scheduler";
  return { lead: `Waiting in ${where}`, detail: describeSchedulerReason(executor, reason) };
}
