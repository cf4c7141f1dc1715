import { describe, expect, it } from "vitest";
import {
  classifyHealth,
  csvCell,
  deliveryCsv,
  deliveryStats,
  healthRank,
  median,
  modelsCsv,
  toCsv,
  type DeploymentFact,
  type HealthInputs,
  type ProductionModelHealth,
} from "./health-rules";

const now = new Date("2026-03-10T12:00:00Z");
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();
const base: HealthInputs = { now, performanceAlert: null, driftAlert: null, lastBatchAt: hoursAgo(1), latestDrift: null };
const calm = { batchId: "b-9", drifted: false, driftShare: 0.125, driftedColumns: 1, testedColumns: 8 };

describe("classifyHealth", () => {
  it("is healthy with a recent batch and no alert, and says so", () => {
    expect(classifyHealth({ ...base, latestDrift: calm })).toEqual({
      health: "healthy",
      reasons: ["no open alerts; latest batch within the drift thresholds (share 0.13)"],
    });
  });

  it("is critical with an unresolved performance alert, naming the metric and its minimum", () => {
    const r = classifyHealth({
      ...base,
      performanceAlert: { status: "open", openedAt: "2026-03-09T08:00:00Z", summary: "accuracy 0.710 < 0.75", below: [{ metric: "accuracy", value: 0.71, minimum: 0.75 }] },
    });
    expect(r).toEqual({ health: "critical", reasons: ["accuracy 0.71 below the 0.75 minimum (performance alert open since 2026-03-09 08:00 UTC)"] });
  });

  it("falls back to the alert's summary when the metrics are unknown; acknowledged alerts still count", () => {
    const r = classifyHealth({ ...base, performanceAlert: { status: "acknowledged", openedAt: "2026-03-09T08:00:00Z", summary: "recall 0.4 < 0.6", below: [] } });
    expect(r.health).toBe("critical");
    expect(r.reasons).toEqual(["performance alert acknowledged, open since 2026-03-09 08:00 UTC: recall 0.4 < 0.6"]);
  });

  it("is a warning with an unresolved drift alert: how many columns drifted", () => {
    const r = classifyHealth({
      ...base,
      driftAlert: { status: "open", openedAt: "2026-03-10T02:00:00Z", summary: "Batch x: 4 of 8 columns drifted", driftedColumns: 4, testedColumns: 8 },
      latestDrift: { ...calm, drifted: true, driftShare: 0.5 },
    });
    expect(r).toEqual({ health: "warning", reasons: ["drift alert open since 2026-03-10 02:00 UTC: 4 of 8 columns drifted"] });
  });

  it("is a warning when the latest batch drifted though no alert is open", () => {
    const r = classifyHealth({ ...base, latestDrift: { batchId: "b-10", drifted: true, driftShare: 0.5, driftedColumns: 4, testedColumns: 8 } });
    expect(r).toEqual({ health: "warning", reasons: ["latest batch b-10 drifted: 4 of 8 columns drifted (share 0.50)"] });
  });

  it("critical wins over a drift alert, and both are listed, worst first", () => {
    const r = classifyHealth({
      ...base,
      performanceAlert: { status: "open", openedAt: "2026-03-09T08:00:00Z", summary: "", below: [{ metric: "f1", value: 0.5, minimum: null }] },
      driftAlert: { status: "open", openedAt: "2026-03-10T02:00:00Z", summary: "Batch x: 2 of 3 columns drifted", driftedColumns: null, testedColumns: null },
    });
    expect(r.health).toBe("critical");
    expect(r.reasons).toEqual(["f1 0.5 below its minimum (performance alert open since 2026-03-09 08:00 UTC)", "drift alert open since 2026-03-10 02:00 UTC: Batch x: 2 of 3 columns drifted"]);
  });

  it('is "no data" with no batch in the last 24 h and no alert', () => {
    expect(classifyHealth({ ...base, lastBatchAt: null })).toEqual({ health: "no data", reasons: ["no predictions received yet"] });
    expect(classifyHealth({ ...base, lastBatchAt: hoursAgo(25), latestDrift: calm })).toEqual({
      health: "no data",
      reasons: ["no predictions in the last 24 h (last batch 2026-03-09 11:00 UTC)"],
    });
    // Exactly 24 h ago still counts as recent.
    expect(classifyHealth({ ...base, lastBatchAt: hoursAgo(24) }).health).toBe("healthy");
  });

  it("an alert outranks missing data, which is still mentioned", () => {
    const r = classifyHealth({ ...base, lastBatchAt: hoursAgo(48), driftAlert: { status: "open", openedAt: hoursAgo(50), summary: "s", driftedColumns: 3, testedColumns: 4 } });
    expect(r.health).toBe("warning");
    expect(r.reasons[1]).toMatch(/^no predictions in the last 24 h/);
  });

  it("ranks worst first", () => {
    expect((["healthy", "no data", "critical", "warning"] as const).slice().sort((a, b) => healthRank(a) - healthRank(b))).toEqual(["critical", "warning", "no data", "healthy"]);
  });
});

describe("median", () => {
  it("is the middle value, or the mean of the two middle ones; null for nothing", () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([10, 1, 4])).toBe(4);
    expect(median([30, 1, 10, 4])).toBe(7);
    expect(median([2, 2, 2, 9])).toBe(2);
  });
});

/** A deployment fact; not made by a pipeline unless `over` says so. */
const fact = (kind: DeploymentFact["kind"], over: Partial<DeploymentFact> = {}): DeploymentFact => ({
  kind,
  leadHours: null,
  restoreHours: null,
  byPipeline: false,
  dataToProductionHours: null,
  ...over,
});
const noPipelines = { pipelinePromotions: 0, pipelineRuns: 0, pipelineRunsSucceeded: 0, pipelineSuccessRate: null, medianDataToProductionHours: null };

describe("deliveryStats", () => {
  it("counts promotions per day, median lead time, rollback rate and median time to restore", () => {
    const s = deliveryStats(
      [
        fact("promotion", { leadHours: 10 }),
        fact("rollback", { restoreHours: 2 }),
        fact("promotion", { leadHours: 4 }),
        fact("rollback", { restoreHours: 6 }),
        fact("promotion"),
      ],
      7,
    );
    expect(s).toEqual({ promotions: 3, rollbacks: 2, deployments: 5, promotionsPerDay: 3 / 7, leadTimeHours: 7, rollbackRate: 0.4, timeToRestoreHours: 4, ...noPipelines });
  });

  it("has no rates and no medians without deployments", () => {
    expect(deliveryStats([], 30)).toEqual({
      promotions: 0,
      rollbacks: 0,
      deployments: 0,
      promotionsPerDay: 0,
      leadTimeHours: null,
      rollbackRate: null,
      timeToRestoreHours: null,
      ...noPipelines,
    });
  });

  it("counts the promotions pipelines made, the median time from new data to production, and the pipeline success rate", () => {
    const s = deliveryStats(
      [
        fact("promotion", { leadHours: 1, byPipeline: true, dataToProductionHours: 5 }),
        fact("promotion", { leadHours: 2, byPipeline: true, dataToProductionHours: 1.5 }),
        // A pipeline promotion whose run never knew when its data arrived: counted, not measured.
        fact("promotion", { leadHours: 3, byPipeline: true, dataToProductionHours: null }),
        fact("promotion", { leadHours: 9 }),
        fact("rollback", { restoreHours: 1 }),
      ],
      30,
      { succeeded: 4, failed: 1 },
    );
    expect(s).toMatchObject({
      promotions: 4,
      pipelinePromotions: 3,
      pipelineRuns: 5,
      pipelineRunsSucceeded: 4,
      pipelineSuccessRate: 0.8,
      medianDataToProductionHours: 3.25,
      leadTimeHours: 2.5,
    });
    // A time from data to production on a human's promotion or a rollback would be a bug upstream; it is not counted.
    expect(deliveryStats([fact("promotion", { dataToProductionHours: 7 }), fact("rollback", { byPipeline: true, dataToProductionHours: 8 })], 7)).toMatchObject({
      pipelinePromotions: 0,
      medianDataToProductionHours: null,
    });
    // Runs that all failed: 0 %, not "no data".
    expect(deliveryStats([], 7, { succeeded: 0, failed: 3 })).toMatchObject({ pipelineRuns: 3, pipelineRunsSucceeded: 0, pipelineSuccessRate: 0 });
  });
});

describe("CSV", () => {
  it("quotes commas, quotes and line breaks; doubles quotes", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("one\ntwo")).toBe('"one\ntwo"');
    expect(csvCell("cr\rlf")).toBe('"cr\rlf"');
    expect(csvCell(null)).toBe("");
    expect(csvCell(0.25)).toBe("0.25");
    expect(csvCell(-3)).toBe("-3");
    expect(csvCell(Number.NaN)).toBe("");
  });

  it("neutralises text a spreadsheet would run as a formula", () => {
    expect(csvCell("=HYPERLINK(\"http://x\")")).toBe("\"'=HYPERLINK(\"\"http://x\"\")\"");
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tx")).toBe("'\tx");
    expect(csvCell("a=b")).toBe("a=b");
  });

  it("joins rows with CRLF and ends with one", () => {
    expect(toCsv([["a", 1], ["b,c", null]])).toBe('a,1\r\n"b,c",\r\n');
  });

  const model: ProductionModelHealth = {
    project: { slug: "p", name: "=Project, \"One\"" },
    model: "m",
    version: 3,
    since: "2026-03-01T00:00:00.000Z",
    deployedBy: "promotion",
    health: "warning",
    reasons: ["drift alert open since x: 4 of 8 columns drifted", "no predictions\nin the last 24 h"],
    accuracySparkline: [
      { start: "2026-03-08T00:00:00.000Z", accuracy: 0.9, labelled: 10 },
      { start: "2026-03-09T00:00:00.000Z", accuracy: 0.81234567, labelled: 10 },
      { start: "2026-03-10T00:00:00.000Z", accuracy: null, labelled: 0 },
    ],
    baselineAccuracy: 0.91,
    latestDrift: { driftShare: 0.5, drifted: true, at: "2026-03-10T01:00:00.000Z" },
    lastBatchAt: "2026-03-10T01:00:00.000Z",
    openAlerts: 1,
    lastPromotion: { version: 3, at: "2026-03-01T00:00:00.000Z", by: "Olga Ops", requestedBy: "Dana" },
  };

  it("writes one row per model: reasons joined with '; ', the latest labelled day's accuracy", () => {
    const [header, row, end] = modelsCsv([model]).split("\r\n");
    expect(header).toBe(
      "project,project_slug,model,version,in_production_since,health,reasons,latest_drift_share,latest_drift_at,accuracy_latest_day,accuracy_day,baseline_accuracy,open_alerts,last_promotion_version,last_promotion_at,last_promotion_by",
    );
    expect(row).toBe(
      `"'=Project, ""One""",p,m,3,2026-03-01T00:00:00.000Z,warning,"drift alert open since x: 4 of 8 columns drifted; no predictions\nin the last 24 h",0.5,2026-03-10T01:00:00.000Z,0.8123,2026-03-09,0.91,1,3,2026-03-01T00:00:00.000Z,Olga Ops`,
    );
    expect(end).toBe("");
  });

  it("writes delivery per project and an overall row, pipeline columns last", () => {
    const stats = deliveryStats([fact("promotion", { leadHours: 1.23456 })], 7);
    const piped = deliveryStats([fact("promotion", { leadHours: 2, byPipeline: true, dataToProductionHours: 26.66666 })], 7, { succeeded: 2, failed: 1 });
    const csv = deliveryCsv(
      {
        days: 7,
        projects: [
          { project: { slug: "p", name: "P" }, ...stats },
          { project: { slug: "q", name: "Q" }, ...piped },
        ],
        overall: stats,
      },
      { days: 7, projects: [{ project: { slug: "p", name: "P" }, gpuHours: 12.5, cost: 30 }], overall: { gpuHours: 12.5, cost: 30 } },
    );
    expect(csv.split("\r\n")).toEqual([
      "project,project_slug,days,promotions,promotions_per_day,lead_time_hours_median,rollbacks,production_deployments,rollback_rate,time_to_restore_hours_median,gpu_hours,cost," +
        "pipeline_promotions,pipeline_runs_finished,pipeline_runs_succeeded,pipeline_success_rate,data_to_production_hours_median",
      "P,p,7,1,0.1429,1.23,0,1,0,,12.5,30,0,0,0,,",
      "Q,q,7,1,0.1429,2,0,1,0,,0,,1,3,2,0.6667,26.67",
      "All projects,,7,1,0.1429,1.23,0,1,0,,12.5,30,0,0,0,,",
      "",
    ]);
  });
});
