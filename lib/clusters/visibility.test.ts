import { describe, expect, it } from "vitest";
import type { ClusterRunRow, ProjectUsage } from "./queries";
import { OTHER_PROJECTS, visibleRuns, visibleUsage } from "./visibility";

const usage = (projectId: string, gpusInUse: number, h7: number, h30: number, c30: number | null): ProjectUsage => ({
  projectId,
  slug: projectId,
  name: projectId.toUpperCase(),
  gpusInUse,
  quota: 4,
  gpuHours7d: h7,
  gpuHours30d: h30,
  cost7d: c30 === null ? null : c30 / 2,
  cost30d: c30,
});

describe("what a viewer sees of a cluster's projects", () => {
  const rows = [usage("a", 2, 1, 10, 20), usage("b", 0, 0.5, 3.25, 6.5), usage("c", 1, 0, 0.5, null), usage("idle", 0, 0, 0, null)];

  it("shows every project with activity to those who may see all (and hides idle ones)", () => {
    expect(visibleUsage(rows, null).map((r) => r.name)).toEqual(["A", "B", "C"]);
  });

  it("folds the projects a member may not see into one row, summing GPUs, hours and costs", () => {
    const out = visibleUsage(rows, new Set(["a"]));
    expect(out.map((r) => r.name)).toEqual(["A", OTHER_PROJECTS]);
    expect(out[1]).toEqual({ projectId: null, slug: null, name: OTHER_PROJECTS, gpusInUse: 1, gpuHours7d: 0.5, gpuHours30d: 3.75, cost7d: 3.25, cost30d: 6.5 });
    expect(JSON.stringify(out)).not.toContain('"B"');
  });

  it("adds no 'other' row when the rest are idle", () => {
    expect(visibleUsage([usage("a", 1, 1, 1, 1), usage("idle", 0, 0, 0, null)], new Set(["a"])).map((r) => r.name)).toEqual(["A"]);
  });

  it("strips the name, project, author and scheduler job (a Kubernetes job id names the run) of other projects' runs", () => {
    const run = (projectId: string): ClusterRunRow => ({
      runId: `${projectId}-run`,
      name: `secret-${projectId}`,
      projectSlug: projectId,
      projectId,
      status: "queued",
      gpuCount: 2,
      gpuType: "h100",
      queuedAt: new Date(0).toISOString(),
      startedAt: null,
      finishedAt: null,
      user: `${projectId}@x`,
      scheduler: { jobId: `ml/ferry-${projectId}-run`, state: "PENDING", reason: "Unschedulable" },
    });
    const out = visibleRuns([run("a"), run("b")], new Set(["a"]));
    expect(out[0]).toMatchObject({ hidden: false, name: "secret-a" });
    expect(out[1]).toMatchObject({ hidden: true, gpuCount: 2, status: "queued", scheduler: null });
    expect(JSON.stringify(out[1])).not.toMatch(/secret-b|b@x|b-run/);
  });
});
