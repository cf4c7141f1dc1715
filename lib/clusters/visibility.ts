import type { ClusterRunRow, ProjectUsage } from "./queries";

// Clusters are org-wide, projects are not: on a cluster's page, admins and org-role ops see every
// project by name; everyone else sees the projects they are members of, and the rest only as a sum.
// Pure functions: the page passes the ids of the projects its viewer may see (null: all of them).

export const OTHER_PROJECTS = "Other projects";

export type UsageRow = Omit<ProjectUsage, "projectId" | "slug" | "quota"> & { projectId: string | null; slug: string | null };

const hasUsage = (r: Pick<ProjectUsage, "gpusInUse" | "gpuHours30d">) => r.gpusInUse > 0 || r.gpuHours30d > 0;

const sumCost = (a: number | null, b: number | null) => (a === null && b === null ? null : Math.round(((a ?? 0) + (b ?? 0)) * 100) / 100);

/** Projects with GPUs in use or GPU-hours in the last 30 days; invisible ones folded into one row. */
export function visibleUsage(rows: ProjectUsage[], visible: ReadonlySet<string> | null): UsageRow[] {
  const shown: UsageRow[] = [];
  let other: UsageRow | null = null;
  for (const r of rows.filter(hasUsage)) {
    const { quota: _quota, ...row } = r;
    if (!visible || visible.has(r.projectId)) {
      shown.push(row);
      continue;
    }
    other ??= { projectId: null, slug: null, name: OTHER_PROJECTS, gpusInUse: 0, gpuHours7d: 0, gpuHours30d: 0, cost7d: null, cost30d: null };
    other.gpusInUse += r.gpusInUse;
    other.gpuHours7d = Math.round((other.gpuHours7d + r.gpuHours7d) * 100) / 100;
    other.gpuHours30d = Math.round((other.gpuHours30d + r.gpuHours30d) * 100) / 100;
    other.cost7d = sumCost(other.cost7d, r.cost7d);
    other.cost30d = sumCost(other.cost30d, r.cost30d);
  }
  return other ? [...shown, other] : shown;
}

/** A queued or recent run as its viewer may see it: another project's run loses its name and project. */
export type VisibleRunRow = ClusterRunRow & { hidden: boolean };

export function visibleRuns(rows: ClusterRunRow[], visible: ReadonlySet<string> | null): VisibleRunRow[] {
  return rows.map((r) =>
    !visible || visible.has(r.projectId)
      ? { ...r, hidden: false }
      : // A Kubernetes job id names the run: the scheduler's word goes too.
        { ...r, hidden: true, runId: "", name: "", projectSlug: "", projectId: "", user: null, scheduler: null },
  );
}
