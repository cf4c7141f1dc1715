// The model-health overview's rules (DESIGN §2.9), pure so they can be tested without a database:
// how a production model's health is classified and explained, delivery metrics from deployment
// facts, and the CSV export (RFC 4180 quoting, spreadsheet formulas neutralised).
import { z } from "zod";

export const healthStates = ["critical", "warning", "no data", "healthy"] as const;
export type Health = (typeof healthStates)[number];

/** How long a model may go without a prediction batch before its health is "no data". */
export const NO_DATA_AFTER_MS = 24 * 3_600_000;
export const SPARKLINE_DAYS = 14;
export const deliveryWindows = [7, 30] as const;
export type DeliveryDays = (typeof deliveryWindows)[number];
export const defaultDeliveryDays: DeliveryDays = 30;

/** `?days=7|30` (default 30), from a page URL: anything else is the default. */
export function parseDeliveryDays(raw: string | string[] | undefined): DeliveryDays {
  const v = Array.isArray(raw) ? raw[0] : raw;
  return v === "7" ? 7 : v === "30" ? 30 : defaultDeliveryDays;
}

/** GET /api/v1/health and …/export: a wrong value is a 400, not a silent default. */
export const healthQuerySchema = z.object({
  days: z
    .enum(["7", "30"], { message: "days must be 7 or 30" })
    .optional()
    .transform((d): DeliveryDays => (d === "7" ? 7 : 30)),
  section: z.enum(["models", "delivery"], { message: 'section must be "models" or "delivery"' }).optional().default("models"),
});

// ---- health ---------------------------------------------------------------------------------------

interface AlertFacts {
  status: "open" | "acknowledged";
  openedAt: string;
  summary: string;
}

export interface HealthInputs {
  now: Date;
  /** The unresolved performance alert and, per metric below its minimum, its value and the minimum. */
  performanceAlert: (AlertFacts & { below: { metric: string; value: number; minimum: number | null }[] }) | null;
  /** The unresolved drift alert and the column counts of the batch that last raised it. */
  driftAlert: (AlertFacts & { driftedColumns: number | null; testedColumns: number | null }) | null;
  /** When the latest prediction batch arrived. */
  lastBatchAt: string | null;
  /** The drift of the latest batch that has a drift result. */
  latestDrift: { batchId: string; drifted: boolean; driftShare: number; driftedColumns: number | null; testedColumns: number | null } | null;
}

/** "2026-03-03 10:00 UTC": the same text on every server, whatever its time zone. */
export function utcText(at: string | Date): string {
  return `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Up to 3 decimals, trailing zeros dropped: 0.71, 0.753. */
function short(n: number): string {
  return String(Number(n.toFixed(3)));
}

function alertAge(a: AlertFacts): string {
  return a.status === "acknowledged" ? `acknowledged, open since ${utcText(a.openedAt)}` : `open since ${utcText(a.openedAt)}`;
}

function columns(drifted: number | null, tested: number | null): string | null {
  return drifted !== null && tested !== null ? `${drifted} of ${tested} columns drifted` : null;
}

/**
 * critical: an unresolved performance alert; warning: an unresolved drift alert, or the latest batch
 * drifted; "no data": no batch in the last 24 h and no alert; else healthy. Reasons say why, worst first.
 */
export function classifyHealth(i: HealthInputs): { health: Health; reasons: string[] } {
  const reasons: string[] = [];
  const perf = i.performanceAlert;
  if (perf) {
    const below = perf.below.map((b) => `${b.metric} ${short(b.value)} below ${b.minimum === null ? "its minimum" : `the ${short(b.minimum)} minimum`}`);
    reasons.push(below.length ? `${below.join(", ")} (performance alert ${alertAge(perf)})` : `performance alert ${alertAge(perf)}: ${perf.summary}`);
  }
  const drift = i.driftAlert;
  if (drift) {
    reasons.push(`drift alert ${alertAge(drift)}: ${columns(drift.driftedColumns, drift.testedColumns) ?? drift.summary}`);
  } else if (i.latestDrift?.drifted) {
    const d = i.latestDrift;
    reasons.push(`latest batch ${d.batchId} drifted: ${columns(d.driftedColumns, d.testedColumns) ?? "drift"} (share ${d.driftShare.toFixed(2)})`);
  }
  const fresh = i.lastBatchAt !== null && i.now.getTime() - new Date(i.lastBatchAt).getTime() <= NO_DATA_AFTER_MS;
  if (!fresh) reasons.push(i.lastBatchAt === null ? "no predictions received yet" : `no predictions in the last 24 h (last batch ${utcText(i.lastBatchAt)})`);

  if (perf) return { health: "critical", reasons };
  if (drift || i.latestDrift?.drifted) return { health: "warning", reasons };
  if (!fresh) return { health: "no data", reasons };
  const within = i.latestDrift ? `; latest batch within the drift thresholds (share ${i.latestDrift.driftShare.toFixed(2)})` : "";
  return { health: "healthy", reasons: [`no open alerts${within}`] };
}

/** Worst first, for sorting models. */
export function healthRank(h: Health): number {
  return healthStates.indexOf(h);
}

// ---- delivery metrics -----------------------------------------------------------------------------

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One production deployment in the window: a promotion's lead time, a rollback's time to restore. */
export interface DeploymentFact {
  kind: "promotion" | "rollback";
  /** Promotion start − the version's run end, in hours; null when the run has no end time. */
  leadHours: number | null;
  /** Rollback start − start of the deployment it replaced, in hours. */
  restoreHours: number | null;
  /** A promotion whose request a pipeline run's request step made (DESIGN §2.10). */
  byPipeline: boolean;
  /** Pipeline promotions: start − when the dataset version the run trained on arrived, in hours; else null. */
  dataToProductionHours: number | null;
}

/** Pipeline runs that finished in the window; cancelled runs count neither way. */
export interface PipelineRunCounts {
  succeeded: number;
  failed: number;
}

export interface DeliveryStats {
  promotions: number;
  rollbacks: number;
  /** Production deployments in the window: promotions and rollbacks. */
  deployments: number;
  promotionsPerDay: number;
  /** Median lead time from run end to production (promotions whose run has an end time). */
  leadTimeHours: number | null;
  rollbackRate: number | null;
  /** Median time from a deployment's start to the rollback that replaced it. */
  timeToRestoreHours: number | null;
  /** Of `promotions`, those whose request a pipeline run made. */
  pipelinePromotions: number;
  /** Pipeline runs finished in the window: succeeded + failed (cancelled ones do not count). */
  pipelineRuns: number;
  pipelineRunsSucceeded: number;
  /** pipelineRunsSucceeded / pipelineRuns; null with none finished. */
  pipelineSuccessRate: number | null;
  /** Median time from a dataset version's arrival to the production deployment a pipeline run trained on it led to. */
  medianDataToProductionHours: number | null;
}

export function deliveryStats(facts: readonly DeploymentFact[], days: number, runs: PipelineRunCounts = { succeeded: 0, failed: 0 }): DeliveryStats {
  const promotions = facts.filter((f) => f.kind === "promotion");
  const rollbacks = facts.filter((f) => f.kind === "rollback");
  const byPipeline = promotions.filter((p) => p.byPipeline);
  const finished = runs.succeeded + runs.failed;
  const numbers = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return {
    promotions: promotions.length,
    rollbacks: rollbacks.length,
    deployments: facts.length,
    promotionsPerDay: promotions.length / days,
    leadTimeHours: median(numbers(promotions.map((p) => p.leadHours))),
    rollbackRate: facts.length ? rollbacks.length / facts.length : null,
    timeToRestoreHours: median(numbers(rollbacks.map((r) => r.restoreHours))),
    pipelinePromotions: byPipeline.length,
    pipelineRuns: finished,
    pipelineRunsSucceeded: runs.succeeded,
    pipelineSuccessRate: finished ? runs.succeeded / finished : null,
    medianDataToProductionHours: median(numbers(byPipeline.map((p) => p.dataToProductionHours))),
  };
}

// ---- what the overview answers (page, JSON API and CSV) ------------------------------------------

export interface ProjectName {
  slug: string;
  name: string;
}

export interface ProductionModelHealth {
  project: ProjectName;
  model: string;
  version: number;
  /** When the production deployment started, and whether it was a promotion or a rollback. */
  since: string;
  deployedBy: "promotion" | "rollback";
  health: Health;
  reasons: string[];
  /** Accuracy per UTC day over the last 14 days, from labelled predictions (null: nothing labelled). */
  accuracySparkline: { start: string; accuracy: number | null; labelled: number }[];
  /** The production version's training run's `accuracy`. */
  baselineAccuracy: number | null;
  latestDrift: { driftShare: number; drifted: boolean; at: string } | null;
  lastBatchAt: string | null;
  openAlerts: number;
  lastPromotion: { version: number; at: string; by: string | null; requestedBy: string | null } | null;
}

export interface ProjectDelivery extends DeliveryStats {
  project: ProjectName;
}

export interface DeliveryMetrics {
  days: DeliveryDays;
  projects: ProjectDelivery[];
  overall: DeliveryStats;
}

export interface GpuUsage {
  days: DeliveryDays;
  projects: { project: ProjectName; gpuHours: number; cost: number | null }[];
  overall: { gpuHours: number; cost: number | null };
}

export interface HealthOverview {
  generatedAt: string;
  days: DeliveryDays;
  models: ProductionModelHealth[];
  delivery: DeliveryMetrics;
  gpu: GpuUsage;
}

/** The latest day with labelled predictions. */
export function latestAccuracy(m: Pick<ProductionModelHealth, "accuracySparkline">): { start: string; accuracy: number } | null {
  for (let i = m.accuracySparkline.length - 1; i >= 0; i--) {
    const p = m.accuracySparkline[i]!;
    if (p.accuracy !== null) return { start: p.start, accuracy: p.accuracy };
  }
  return null;
}

// ---- CSV ------------------------------------------------------------------------------------------

export type CsvValue = string | number | null | undefined;

/**
 * One CSV field. Numbers as they are; text that a spreadsheet would run as a formula (starting with
 * =, +, -, @, tab or carriage return) gets a leading apostrophe (OWASP "CSV injection"); fields with a
 * quote, comma or line break are quoted, quotes doubled.
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows joined with CRLF (RFC 4180), ending with one. */
export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

const round = (n: number | null, digits = 4) => (n === null ? null : Number(n.toFixed(digits)));

export function modelsCsv(models: readonly ProductionModelHealth[]): string {
  const header = [
    "project",
    "project_slug",
    "model",
    "version",
    "in_production_since",
    "health",
    "reasons",
    "latest_drift_share",
    "latest_drift_at",
    "accuracy_latest_day",
    "accuracy_day",
    "baseline_accuracy",
    "open_alerts",
    "last_promotion_version",
    "last_promotion_at",
    "last_promotion_by",
  ];
  const rows = models.map((m) => {
    const acc = latestAccuracy(m);
    return [
      m.project.name,
      m.project.slug,
      m.model,
      m.version,
      m.since,
      m.health,
      m.reasons.join("; "),
      round(m.latestDrift?.driftShare ?? null),
      m.latestDrift?.at ?? null,
      round(acc?.accuracy ?? null),
      acc?.start.slice(0, 10) ?? null,
      round(m.baselineAccuracy),
      m.openAlerts,
      m.lastPromotion?.version ?? null,
      m.lastPromotion?.at ?? null,
      m.lastPromotion?.by ?? null,
    ];
  });
  return toCsv([header, ...rows]);
}

/** Delivery metrics, GPU use and pipeline figures per project, then one "All projects" row. */
export function deliveryCsv(delivery: DeliveryMetrics, gpu: GpuUsage): string {
  const header = [
    "project",
    "project_slug",
    "days",
    "promotions",
    "promotions_per_day",
    "lead_time_hours_median",
    "rollbacks",
    "production_deployments",
    "rollback_rate",
    "time_to_restore_hours_median",
    "gpu_hours",
    "cost",
    // Added with pipelines (DESIGN §2.10), after the older columns so their positions stay.
    "pipeline_promotions",
    "pipeline_runs_finished",
    "pipeline_runs_succeeded",
    "pipeline_success_rate",
    "data_to_production_hours_median",
  ];
  const gpuOf = new Map(gpu.projects.map((g) => [g.project.slug, g]));
  const row = (name: string, slug: string, s: DeliveryStats, g: { gpuHours: number; cost: number | null } | undefined) => [
    name,
    slug,
    delivery.days,
    s.promotions,
    round(s.promotionsPerDay),
    round(s.leadTimeHours, 2),
    s.rollbacks,
    s.deployments,
    round(s.rollbackRate),
    round(s.timeToRestoreHours, 2),
    round(g?.gpuHours ?? 0, 2),
    round(g?.cost ?? null, 2),
    s.pipelinePromotions,
    s.pipelineRuns,
    s.pipelineRunsSucceeded,
    round(s.pipelineSuccessRate),
    round(s.medianDataToProductionHours, 2),
  ];
  return toCsv([
    header,
    ...delivery.projects.map((p) => row(p.project.name, p.project.slug, p, gpuOf.get(p.project.slug))),
    row("All projects", "", delivery.overall, gpu.overall),
  ]);
}
