// Multinomial (softmax) logistic regression trained by gradient descent with L2 regularisation.
// Small and dependency-free on purpose: it is the reference trainer's model, meant to be read.
// Objective: mean (optionally class-weighted) cross-entropy + (l2 / 2)·‖W‖² (the intercepts are
// not penalised, as usual).
// Weights start at zero (the objective is convex, so nothing is gained by random starts); the
// seed only orders mini-batches, so a fit is deterministic given its inputs and seed.
import { mulberry32 } from "@/lib/datasets/sample";
import { LOG_LOSS_EPS } from "./classification-metrics";
import { shuffle } from "./split";

export interface LogisticRegressionModel {
  /** weights[k][d]: feature d's weight for class k. */
  weights: number[][];
  bias: number[];
}

/**
 * "balanced" is scikit-learn's: class c weighs n_samples / (n_classes · count_c), so on an
 * imbalanced target the rare class counts as much in the objective as the common one (at the
 * price of calibration: predicted probabilities of the rare class run high).
 */
export type ClassWeight = "none" | "balanced";

export interface GradientDescentOptions {
  learningRate: number;
  l2: number;
  /** Rows per update; omitted, 0 or ≥ the row count means full-batch gradient descent. */
  batchSize?: number;
  /**
   * classWeights[k] multiplies the gradient of every row of class k; omitted means 1 for all.
   * Computed once from the whole training set (see classWeights), never per mini-batch.
   */
  classWeights?: readonly number[];
}

export interface FitOptions extends Omit<GradientDescentOptions, "classWeights"> {
  epochs: number;
  seed?: number;
  /** Default "none". */
  classWeight?: ClassWeight;
}

/**
 * Per-class weights for `mode`. As in scikit-learn, n_classes counts the classes present in y, so
 * the weights of all rows sum to n; a class absent from y gets 1 (no row would use it).
 */
export function classWeights(y: readonly number[], nClasses: number, mode: ClassWeight = "none"): number[] {
  const counts = new Array<number>(nClasses).fill(0);
  for (const k of y) {
    if (!(Number.isInteger(k) && k >= 0 && k < nClasses)) throw new Error(`Label ${k} is not a class index below ${nClasses}.`);
    counts[k]!++;
  }
  if (mode === "none") return counts.map(() => 1);
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? y.length / (present * c) : 1));
}

export function createModel(nFeatures: number, nClasses: number): LogisticRegressionModel {
  if (nClasses < 2) throw new Error(`Logistic regression needs at least two classes, not ${nClasses}.`);
  return { weights: Array.from({ length: nClasses }, () => new Array<number>(nFeatures).fill(0)), bias: new Array<number>(nClasses).fill(0) };
}

/** Class probabilities of one row; shifted by the largest score so exp() cannot overflow. */
function softmaxRow(model: LogisticRegressionModel, row: readonly number[]): number[] {
  const scores = model.weights.map((w, k) => w.reduce((s, wd, d) => s + wd * row[d]!, model.bias[k]!));
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

export function predictProba(model: LogisticRegressionModel, x: readonly (readonly number[])[]): number[][] {
  return x.map((row) => softmaxRow(model, row));
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** Most probable class index of each row (the first one on ties). */
export function predictClass(model: LogisticRegressionModel, x: readonly (readonly number[])[]): number[] {
  return x.map((row) => argmax(softmaxRow(model, row)));
}

/**
 * The data term of the objective: (1/n) Σ weight[y_i] · −log p_i[y_i], probabilities clipped as
 * logLoss clips them. Without weights it is logLoss(predictProba(model, x), y).
 */
export function trainingLoss(model: LogisticRegressionModel, x: readonly (readonly number[])[], y: readonly number[], weights?: readonly number[]): number {
  if (x.length !== y.length || x.length === 0) throw new Error(`The loss needs rows with one label each (got ${x.length} rows, ${y.length} labels).`);
  let total = 0;
  x.forEach((row, i) => {
    const p = softmaxRow(model, row)[y[i]!]!;
    total -= (weights?.[y[i]!] ?? 1) * Math.log(Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, p)));
  });
  return total / x.length;
}

/** One gradient step on the rows `batch` of (x, y); updates the model in place. */
function step(model: LogisticRegressionModel, x: readonly (readonly number[])[], y: readonly number[], batch: readonly number[], options: GradientDescentOptions): void {
  const gradW = model.weights.map((w) => new Array<number>(w.length).fill(0));
  const gradB = new Array<number>(model.bias.length).fill(0);
  for (const i of batch) {
    const row = x[i]!;
    const p = softmaxRow(model, row);
    const weight = options.classWeights?.[y[i]!] ?? 1;
    p.forEach((pk, k) => {
      // ∂CE/∂score_k = p_k − [k is the actual class], scaled by the row's class weight
      const g = weight * (pk - (k === y[i] ? 1 : 0));
      gradB[k]! += g;
      const gw = gradW[k]!;
      for (let d = 0; d < row.length; d++) gw[d]! += g * row[d]!;
    });
  }
  const rate = options.learningRate;
  const n = batch.length;
  model.weights.forEach((w, k) => {
    const gw = gradW[k]!;
    for (let d = 0; d < w.length; d++) w[d] = w[d]! - rate * (gw[d]! / n + options.l2 * w[d]!);
  });
  model.bias.forEach((b, k) => (model.bias[k] = b - (rate * gradB[k]!) / n));
}

/**
 * One pass over the data; updates the model in place. Mini-batches follow a fresh shuffle drawn
 * from `random` each epoch (pass a seeded generator such as mulberry32 to stay deterministic);
 * full-batch descent does not use it.
 */
export function trainEpoch(
  model: LogisticRegressionModel,
  x: readonly (readonly number[])[],
  y: readonly number[],
  options: GradientDescentOptions,
  random: () => number,
): void {
  if (x.length !== y.length || x.length === 0) throw new Error(`Training needs rows with one label each (got ${x.length} rows, ${y.length} labels).`);
  const size = options.batchSize && options.batchSize < x.length ? options.batchSize : x.length;
  if (size === x.length) return step(model, x, y, x.map((_, i) => i), options);
  const order = shuffle(x.map((_, i) => i), random);
  for (let start = 0; start < order.length; start += size) step(model, x, y, order.slice(start, start + size), options);
}

export function fitLogisticRegression(x: readonly (readonly number[])[], y: readonly number[], nClasses: number, options: FitOptions): LogisticRegressionModel {
  const model = createModel(x[0]?.length ?? 0, nClasses);
  const random = mulberry32(options.seed ?? 0);
  const descent = { ...options, classWeights: classWeights(y, nClasses, options.classWeight) };
  for (let epoch = 0; epoch < options.epochs; epoch++) trainEpoch(model, x, y, descent, random);
  return model;
}
