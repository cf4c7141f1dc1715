// Promotion gates (issue 6): evaluated when a promotion is requested and stored with the request.
// Pure: the service gathers the facts, this decides. Every gate says why it passed or failed.

export interface GateResult {
  name: string;
  passed: boolean;
  detail: string;
}

export interface GateRule {
  metric: string;
  /** The version's metric must be at least this. */
  minValue: number | null;
  /** The version's metric may be at most this much below the production version's. */
  maxDrop: number | null;
}

export type DatasetValidation = "pass" | "warn" | "fail" | "none";

export interface GateFacts {
  run: { name: string; status: string };
  dataset: { label: string; validation: DatasetValidation } | null;
  metrics: Record<string, number>;
  /** The version currently in production, if any (the yardstick for max-drop rules). */
  production: { version: number; metrics: Record<string, number> } | null;
  rules: GateRule[];
}

/** Key metrics a new model is compared on against production, with the tolerance they start with. */
export const defaultGateRules: GateRule[] = ["accuracy", "precision", "recall", "f1"].map((metric) => ({ metric, minValue: null, maxDrop: 0.02 }));

export function formatMetric(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
}

export function evaluateGates(facts: GateFacts): GateResult[] {
  const results: GateResult[] = [runGate(facts.run), datasetGate(facts.dataset)];
  for (const rule of facts.rules) {
    if (rule.minValue !== null) results.push(thresholdGate(rule.metric, rule.minValue, facts.metrics[rule.metric]));
    if (rule.maxDrop !== null) results.push(regressionGate(rule.metric, rule.maxDrop, facts.metrics[rule.metric], facts.production));
  }
  return results;
}

function runGate(run: GateFacts["run"]): GateResult {
  const name = "Run succeeded";
  if (run.status === "FINISHED") return { name, passed: true, detail: `Run ${run.name} finished successfully.` };
  const state = run.status === "RUNNING" || run.status === "SCHEDULED" ? "has not finished yet" : run.status === "KILLED" ? "was killed" : "failed";
  return { name, passed: false, detail: `Run ${run.name} ${state} (${run.status}).` };
}

function datasetGate(dataset: GateFacts["dataset"]): GateResult {
  const name = "Dataset validation passed";
  if (!dataset) return { name, passed: false, detail: "The run names no Ferry dataset version, so its training data cannot be traced or validated." };
  switch (dataset.validation) {
    case "pass":
      return { name, passed: true, detail: `${dataset.label} passed every validation rule.` };
    case "warn":
      return { name, passed: true, detail: `${dataset.label} passed, with warnings.` };
    case "none":
      return { name, passed: true, detail: `${dataset.label} has no validation rules to fail.` };
    default:
      return { name, passed: false, detail: `${dataset.label} failed validation.` };
  }
}

function isNumber(v: number | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function thresholdGate(metric: string, min: number, value: number | undefined): GateResult {
  const name = `${metric} ≥ ${formatMetric(min)}`;
  if (!isNumber(value)) return { name, passed: false, detail: `The run did not log ${metric}.` };
  return value >= min
    ? { name, passed: true, detail: `${metric} is ${formatMetric(value)}.` }
    : { name, passed: false, detail: `${metric} is ${formatMetric(value)}, below the threshold ${formatMetric(min)}.` };
}

function regressionGate(metric: string, maxDrop: number, value: number | undefined, production: GateFacts["production"]): GateResult {
  const name = `${metric} within ${formatMetric(maxDrop)} of production`;
  if (!production) return { name, passed: true, detail: "No version is in production yet." };
  const baseline = production.metrics[metric];
  if (!isNumber(baseline)) {
    return { name, passed: true, detail: `Production (version ${production.version}) has no ${metric} to compare with.` };
  }
  if (!isNumber(value)) return { name, passed: false, detail: `The run did not log ${metric}; production (version ${production.version}) has ${formatMetric(baseline)}.` };
  const drop = baseline - value;
  const versus = `${formatMetric(value)} vs ${formatMetric(baseline)} in production (version ${production.version})`;
  // A tiny epsilon keeps a drop of exactly the tolerance (0.9 - 0.88) from failing on rounding.
  return drop <= maxDrop + 1e-12
    ? { name, passed: true, detail: `${metric} ${versus}.` }
    : { name, passed: false, detail: `${metric} ${versus}: ${formatMetric(drop)} worse, more than the ${formatMetric(maxDrop)} allowed.` };
}
