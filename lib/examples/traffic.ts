// Synthetic production traffic for the demo model (`npm run example:traffic`, and the demo seed's
// monitoring history): subscribers drawn like db/demo-data.ts's version 1 for a healthy period, then
// a price rise drifts the population and changes who churns. Every prediction is made by really
// scoring the row with the production model (model/model.json, as lib/examples/train.ts saves it),
// and every true label is drawn from the churn-risk formula of the demo data, so accuracy and
// recall fall for real once the population drifts. Labels become known `labelDelayHours` after
// their prediction. No I/O and no clock: the same options give the same batches, byte for byte.
import { demoSubscribersCsv } from "@/db/demo-data";
import { mulberry32 } from "@/lib/datasets/sample";
import { encodeTable, type FeaturePipeline } from "@/lib/ml/features";
import { predictProba } from "@/lib/ml/logistic-regression";
import type { TrackingSink } from "@/lib/tracking/sink";
import { MODEL_FORMAT, trainAndLog, type SavedModel, type TrainOptions } from "./train";

export const HOUR_MS = 3_600_000;
/** Hours over which the drift grows from nothing to full strength, so the charts show an onset. */
export const DRIFT_RAMP_HOURS = 3;

export type FeatureValue = string | number | boolean | null;

/** A row of the ingest API's batch ({id, timestamp, features, prediction, score}); its label comes later. */
export interface TrafficRow {
  id: string;
  timestamp: string;
  features: Record<string, FeatureValue>;
  prediction: string;
  score: number;
}

export interface TrafficLabel {
  id: string;
  label: string;
  /** Epoch ms at which the outcome is known (the prediction's time + the label delay). */
  knownAt: number;
}

export interface TrafficBatch {
  /** `<prefix>-<UTC hour>`, e.g. "traffic-2026-11-26T10": re-sending an hour is a no-op for the server. */
  batchId: string;
  hourStart: number;
  /** Drift intensity of the hour, 0 (healthy) to 1 (fully drifted). */
  drift: number;
  rows: TrafficRow[];
  labels: TrafficLabel[];
}

export interface TrafficOptions {
  /** First hour (epoch ms); rounded down to a whole UTC hour. */
  start: number;
  hours: number;
  /** Hours after `start` at which the drift sets in; ≥ `hours` means no drift. */
  driftAfterHours: number;
  /** Mean rows per hourly batch; each hour follows a daily cycle around it (±35%). Default 200. */
  rowsPerHour?: number;
  /** Hours until a prediction's true outcome is known. Default 6. */
  labelDelayHours?: number;
  /** Default 1. Each hour's rows depend only on the seed, the hour and its drift intensity. */
  seed?: number;
  /** Default "traffic". */
  batchPrefix?: string;
}

export const TRAFFIC_DEFAULTS = { rowsPerHour: 200, labelDelayHours: 6, seed: 1, batchPrefix: "traffic" } as const;

// ---------------------------------------------------------------------------------------------
// The model

/** Reads model/model.json as the reference trainer writes it; refuses anything else by name. */
export function parseSavedModel(json: string): SavedModel {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error("The model file is not JSON: expected model/model.json as `npm run example:train` saves it.");
  }
  const model = parsed as Partial<SavedModel> | null;
  if (model?.format !== MODEL_FORMAT || !model.feature_pipeline || !Array.isArray(model.classes) || !Array.isArray(model.weights)) {
    throw new Error(`The model file is not a ${MODEL_FORMAT} model (model/model.json as \`npm run example:train\` saves it).`);
  }
  return model as SavedModel;
}

export interface Scored {
  prediction: string;
  /** Probability of the positive label (or of the predicted class when the model has none). */
  score: number;
}

/** Scores feature rows as the trainer evaluated them: encode with the saved pipeline, softmax, argmax. */
export function scoreRows(model: SavedModel, rows: readonly Record<string, FeatureValue>[]): Scored[] {
  const { target, columns, dropped, feature_names } = model.feature_pipeline;
  const pipeline: FeaturePipeline = { target, classes: model.classes, columns, dropped, featureNames: feature_names };
  const names = columns.map((c) => c.name);
  // encodeTable scores labelled rows only: any known class stands in for the unknown outcome.
  const table = {
    header: [...names, target],
    rows: rows.map((row) => [...names.map((n) => (row[n] === null || row[n] === undefined ? "" : String(row[n]))), model.classes[0]!]),
  };
  const positive = model.positive === null ? -1 : model.classes.indexOf(model.positive);
  return predictProba(model, encodeTable(pipeline, table).x).map((p) => {
    const best = p.reduce((b, v, k) => (v > p[b]! ? k : b), 0);
    return { prediction: model.classes[best]!, score: round(p[positive === -1 ? best : positive]!, 4) };
  });
}

/** The settings of the demo's production version (run "balanced-lr" in db/seed.ts). */
export const DEMO_PRODUCTION_TRAINING: Partial<TrainOptions> = { classWeight: "balanced", learningRate: 0.5, epochs: 30 };

/**
 * The demo's production model, trained again here (~0.1 s): training is deterministic, so it is the
 * same model.json the seeded "balanced-lr" run saved. Lets the command line run with no model file.
 */
export async function trainDemoModel(): Promise<SavedModel> {
  let saved: string | undefined;
  const sink: TrackingSink = {
    runId: "local",
    logBatch: async () => {},
    logInputs: async () => {},
    logArtifact: async (path, content) => {
      if (path === "model/model.json") saved = typeof content === "string" ? content : new TextDecoder().decode(content);
    },
    logModel: async () => {},
    end: async () => {},
  };
  const options: TrainOptions = {
    csv: demoSubscribersCsv(1),
    target: "churned",
    positive: "true",
    ...DEMO_PRODUCTION_TRAINING,
    dataset: { name: "subscribers", source: "ferry://churn-prediction/datasets/subscribers/versions/1", sourceType: "ferry" },
  };
  await trainAndLog(options, sink, () => 0);
  return parseSavedModel(saved!);
}

// ---------------------------------------------------------------------------------------------
// The population

function pick<T>(u: number, items: readonly T[], weights: readonly number[]): T {
  let x = u * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i++) {
    x -= weights[i]!;
    if (x <= 0) return items[i]!;
  }
  return items.at(-1)!;
}

/** Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation, relative error below 1.2e-9. */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * n uniforms, one in each of n equal slices of (0, 1), shuffled. Drawing a feature from these makes
 * an hour of 150 rows cover its distribution the way thousands of iid rows would: without it, the
 * sampling noise of a small batch alone sits near Evidently's Wasserstein threshold (0.1 σ), and the
 * healthy hours would be flagged at random.
 */
function stratified(r: () => number, n: number): number[] {
  const u = Array.from({ length: n }, (_, i) => (i + Math.min(Math.max(r(), 1e-9), 1 - 1e-9)) / n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [u[i], u[j]] = [u[j]!, u[i]!];
  }
  return u;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const PLANS = ["basic", "pro", "enterprise"] as const;
const PLAN_FEES = { basic: 19, pro: 49, enterprise: 199 } as const;
const COUNTRIES = ["US", "DE", "FR", "GB", "BR", "XX"] as const;

/** One uniform per drawn feature of a row. */
type Draws = Record<"plan" | "fee" | "tenure" | "tickets" | "autopay" | "country", number>;

/**
 * One subscriber seen at `at`, with drift intensity d ∈ [0, 1]. At d = 0 the distribution and the
 * churn risk are those of subscribers v1 (db/demo-data.ts). Drifted, after a price rise: fees up
 * 25%, more support tickets (billing complaints), and a new market ("XX") the model never saw. Who
 * churns changes too: long-standing subscribers leave over the rise, in proportion to how much
 * their fee went up, and the new market churns more. A model trained on v1 — where fee and country
 * did not matter and long tenure meant loyalty — cannot see either, so recall and accuracy fall.
 */
function subscriber(u: Draws, r: () => number, d: number, at: number): { features: Record<string, FeatureValue>; churned: boolean } {
  const plan = pick(u.plan, PLANS, [60, 30, 10]);
  const base = PLAN_FEES[plan];
  const fee = Math.max(5, base * (1 + 0.25 * d) + base * 0.08 * normalQuantile(u.fee));
  const tenure = Math.max(0, Math.round(18 + 10 * normalQuantile(u.tenure)));
  const tickets = Math.max(0, Math.round(1.2 + 0.4 * d + 1.3 * normalQuantile(u.tickets)));
  const autopay = u.autopay < 0.7;
  const country = pick(u.country, COUNTRIES, [40, 20, 15, 15, 10, 8 * d]);
  const lastLogin = new Date(at - Math.floor(r() * 14 * 86_400_000)).toISOString().slice(0, 19) + "Z";
  const missingFee = r() < 0.01;
  const priceShock = Math.max(0, fee / base - 1) * (tenure >= 12 ? 1.2 : 0);
  const risk = 0.08 + 0.05 * tickets - 0.004 * tenure + (autopay ? 0 : 0.08) + priceShock + (country === "XX" ? 0.2 : 0);
  return {
    features: {
      plan,
      monthly_fee: missingFee ? null : round(fee, 2),
      tenure_months: tenure,
      support_tickets: tickets,
      last_login: lastLogin,
      autopay,
      country,
    },
    churned: r() < risk,
  };
}

/** Busier in the (European) afternoon, quieter at night: 0.65× to 1.35× the mean, plus noise. */
function rowsInHour(r: () => number, hourStart: number, mean: number): number {
  const hourOfDay = new Date(hourStart).getUTCHours();
  const cycle = 1 + 0.35 * Math.sin((2 * Math.PI * (hourOfDay - 8)) / 24);
  return Math.max(1, Math.round(mean * cycle * (0.9 + 0.2 * r())));
}

/** Drift intensity of the hour starting at `hourStart`: 0 before `driftAt`, then ramping to 1. */
export function driftIntensity(hourStart: number, driftAt: number): number {
  const hoursIn = (hourStart - driftAt) / HOUR_MS + 1;
  return Math.min(1, Math.max(0, hoursIn / DRIFT_RAMP_HOURS));
}

function hourSeed(seed: number, hourStart: number, drift: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(hourStart / HOUR_MS, 0x85ebca6b) ^ Math.round(drift * 1000)) >>> 0;
}

/** One hourly batch: rows at sorted random times within the hour, scored, with their late labels. */
export function trafficBatch(model: SavedModel, hourStart: number, drift: number, options: Omit<TrafficOptions, "start" | "hours" | "driftAfterHours"> = {}): TrafficBatch {
  const { rowsPerHour, labelDelayHours, seed, batchPrefix } = { ...TRAFFIC_DEFAULTS, ...options };
  const r = mulberry32(hourSeed(seed, hourStart, drift));
  const n = rowsInHour(r, hourStart, rowsPerHour);
  const times = Array.from({ length: n }, () => hourStart + Math.floor(r() * HOUR_MS)).sort((a, b) => a - b);
  const draws = { plan: stratified(r, n), fee: stratified(r, n), tenure: stratified(r, n), tickets: stratified(r, n), autopay: stratified(r, n), country: stratified(r, n) };
  const people = times.map((at, i) =>
    subscriber({ plan: draws.plan[i]!, fee: draws.fee[i]!, tenure: draws.tenure[i]!, tickets: draws.tickets[i]!, autopay: draws.autopay[i]!, country: draws.country[i]! }, r, drift, at),
  );
  const scored = scoreRows(model, people.map((p) => p.features));
  const batchId = `${batchPrefix}-${new Date(hourStart).toISOString().slice(0, 13)}`;
  const ids = times.map((_, i) => `${batchId}-${String(i).padStart(4, "0")}`);
  return {
    batchId,
    hourStart,
    drift,
    rows: people.map((p, i) => ({ id: ids[i]!, timestamp: new Date(times[i]!).toISOString(), features: p.features, ...scored[i]! })),
    labels: people.map((p, i) => ({ id: ids[i]!, label: String(p.churned), knownAt: times[i]! + labelDelayHours * HOUR_MS })),
  };
}

/** One batch per hour from `start` (rounded down to the hour) for `hours` hours, drifting from `driftAfterHours` on. */
export function trafficBatches(model: SavedModel, options: TrafficOptions): TrafficBatch[] {
  const start = Math.floor(options.start / HOUR_MS) * HOUR_MS;
  const driftAt = start + options.driftAfterHours * HOUR_MS;
  return Array.from({ length: options.hours }, (_, h) => {
    const hourStart = start + h * HOUR_MS;
    return trafficBatch(model, hourStart, driftIntensity(hourStart, driftAt), options);
  });
}

/** The labels whose outcome became known in (after, upTo]: what a labelling job would send at `upTo`. */
export function labelsKnown(batches: readonly TrafficBatch[], upTo: number, after = -Infinity): { id: string; label: string }[] {
  return batches.flatMap((b) => b.labels.filter((l) => l.knownAt > after && l.knownAt <= upTo).map(({ id, label }) => ({ id, label })));
}
