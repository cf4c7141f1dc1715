// Classification metrics with scikit-learn's semantics (precision_recall_fscore_support with
// zero_division=0, accuracy_score, log_loss), so numbers shown in Ferry match what users compute in
// Python. DESIGN §4: a division by zero yields 0 and is flagged, never NaN.

export interface ConfusionMatrix {
  labels: string[];
  /** matrix[i][j] = samples whose actual label is labels[i] and predicted label is labels[j]. */
  matrix: number[][];
}

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Samples whose actual label is this one. */
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  average: "binary" | "macro";
  positive: string | null;
  perClass: ClassMetrics[];
  /** `"<metric>:<label>"` for every per-class value that was a division by zero (reported as 0). */
  zeroDivision: string[];
}

function checkInputs(actual: readonly string[], predicted: readonly string[]): void {
  if (actual.length !== predicted.length) {
    throw new Error(`actual and predicted differ in length (${actual.length} vs ${predicted.length}).`);
  }
  if (actual.length === 0) throw new Error("Cannot compute classification metrics without any samples.");
}

/** Sorted by UTF-16 code units, like numpy.unique on strings. */
function observedLabels(actual: readonly string[], predicted: readonly string[]): string[] {
  return [...new Set([...actual, ...predicted])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Rows are actual labels, columns predicted. Labels default to every label seen, sorted; with
 * explicit labels, samples whose actual or predicted label is not listed are left out (as sklearn).
 */
export function confusionMatrix(actual: readonly string[], predicted: readonly string[], labels?: readonly string[]): ConfusionMatrix {
  checkInputs(actual, predicted);
  const list = labels ? [...labels] : observedLabels(actual, predicted);
  if (list.length === 0) throw new Error("labels must not be empty.");
  const index = new Map(list.map((label, i) => [label, i]));
  if (index.size !== list.length) throw new Error("labels must be unique.");
  const matrix = list.map(() => list.map(() => 0));
  for (let k = 0; k < actual.length; k++) {
    const i = index.get(actual[k]!);
    const j = index.get(predicted[k]!);
    if (i !== undefined && j !== undefined) matrix[i]![j]!++;
  }
  return { labels: list, matrix };
}

function ratio(numerator: number, denominator: number, flag: string, flags: string[]): number {
  if (denominator > 0) return numerator / denominator;
  flags.push(flag);
  return 0;
}

function classMetrics(cm: ConfusionMatrix, i: number, flags: string[]): ClassMetrics {
  const label = cm.labels[i]!;
  const tp = cm.matrix[i]![i]!;
  const support = cm.matrix[i]!.reduce((a, b) => a + b, 0);
  const predictedCount = cm.matrix.reduce((sum, row) => sum + row[i]!, 0);
  const fp = predictedCount - tp;
  const fn = support - tp;
  return {
    label,
    precision: ratio(tp, predictedCount, `precision:${label}`, flags),
    recall: ratio(tp, support, `recall:${label}`, flags),
    // 2TP / (2TP + FP + FN) rather than the harmonic mean: it is only undefined when the label
    // occurs nowhere, which is also when sklearn ≥ 1.3 applies zero_division to F1.
    f1: ratio(2 * tp, 2 * tp + fp + fn, `f1:${label}`, flags),
    support,
  };
}

/**
 * The binary positive label: the one asked for, else — with exactly two labels — the later one in
 * sorted order (so "true" over "false", "yes" over "no", "1" over "0"); null means macro averages.
 */
function resolvePositive(labels: string[], positive: string | undefined, explicit: boolean): { labels: string[]; positive: string | null } {
  if (positive === undefined) return { labels, positive: labels.length === 2 ? labels[1]! : null };
  if (labels.includes(positive)) return { labels, positive };
  // Like sklearn: a positive label absent from data with a single class is fine (its support is
  // 0), but absent from two or more known labels it is almost certainly a typo.
  if (explicit || labels.length >= 2) {
    throw new Error(`The positive label "${positive}" is not one of the labels: ${labels.join(", ")}.`);
  }
  return { labels: [...labels, positive], positive };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Accuracy over all samples; precision, recall and F1 of the positive label (binary) or their
 * unweighted means over the labels (macro), with a per-class table.
 */
export function classificationReport(
  actual: readonly string[],
  predicted: readonly string[],
  opts: { positive?: string; labels?: string[] } = {},
): ClassificationReport {
  checkInputs(actual, predicted);
  const resolved = resolvePositive(opts.labels ? [...opts.labels] : observedLabels(actual, predicted), opts.positive, opts.labels !== undefined);
  const cm = confusionMatrix(actual, predicted, resolved.labels);
  const zeroDivision: string[] = [];
  const perClass = cm.labels.map((_, i) => classMetrics(cm, i, zeroDivision));
  const correct = actual.reduce((n, label, k) => n + (label === predicted[k] ? 1 : 0), 0);
  const accuracy = correct / actual.length;
  if (resolved.positive !== null) {
    const p = perClass.find((c) => c.label === resolved.positive)!;
    return { accuracy, precision: p.precision, recall: p.recall, f1: p.f1, average: "binary", positive: resolved.positive, perClass, zeroDivision };
  }
  return {
    accuracy,
    precision: mean(perClass.map((c) => c.precision)),
    recall: mean(perClass.map((c) => c.recall)),
    f1: mean(perClass.map((c) => c.f1)),
    average: "macro",
    positive: null,
    perClass,
    zeroDivision,
  };
}

export const LOG_LOSS_EPS = 1e-15;

/**
 * Mean cross-entropy −(1/n) Σ log p[i][actualIndex[i]]. Probabilities are clipped to
 * [1e-15, 1 − 1e-15] so one confident mistake costs ~34.5 instead of Infinity.
 */
export function logLoss(probabilities: readonly (readonly number[])[], actualIndex: readonly number[]): number {
  if (probabilities.length !== actualIndex.length) {
    throw new Error(`probabilities and actualIndex differ in length (${probabilities.length} vs ${actualIndex.length}).`);
  }
  if (probabilities.length === 0) throw new Error("Cannot compute log loss without any samples.");
  let total = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]![actualIndex[i]!];
    if (p === undefined || !Number.isInteger(actualIndex[i])) {
      throw new Error(`actualIndex[${i}] = ${actualIndex[i]} is not a class index of that row.`);
    }
    total -= Math.log(Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, p)));
  }
  return total / probabilities.length;
}
