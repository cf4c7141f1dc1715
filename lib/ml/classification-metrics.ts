// Classification metrics with scikit-learn's semantics (precision_recall_fscore_support with
// zero_division=0, accuracy_score, log_loss, roc_auc_score), so numbers shown in Ferry match what users compute in
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

/** 1-based ranks of `values` in ascending order; tied values share the mean of the ranks they span. */
function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]!] === values[order[start]!]) end++;
    for (let k = start; k <= end; k++) ranks[order[k]!] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return ranks;
}

/**
 * Area under the ROC curve of a binary problem, as sklearn.metrics.roc_auc_score: labels are
 * true/1 for the positive class, scores rank the rows (higher = more positive, e.g. the positive
 * class's probability). Computed as the Mann–Whitney U statistic with average ranks, so a tie
 * between a positive and a negative row counts one half. Null when only one class is present
 * (sklearn raises: the AUC is not defined then).
 */
export function rocAuc(labels: readonly (boolean | 0 | 1)[], scores: readonly number[]): number | null {
  if (labels.length !== scores.length) throw new Error(`labels and scores differ in length (${labels.length} vs ${scores.length}).`);
  if (labels.length === 0) throw new Error("Cannot compute ROC AUC without any samples.");
  scores.forEach((s, i) => {
    if (!Number.isFinite(s)) throw new Error(`scores[${i}] = ${s} is not a finite number.`);
  });
  const ranks = averageRanks(scores);
  let positives = 0;
  let rankSum = 0;
  labels.forEach((label, i) => {
    if (label !== true && label !== false && label !== 0 && label !== 1) throw new Error(`labels[${i}] = ${String(label)} is not 0, 1, true or false.`);
    if (label === true || label === 1) {
      positives++;
      rankSum += ranks[i]!;
    }
  });
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Multiclass ROC AUC, one-vs-rest and macro-averaged (sklearn's roc_auc_score with
 * multi_class="ovr", average="macro"): the unweighted mean over classes k of the binary AUC of
 * "is class k" scored by probabilities[i][k]. Null when some class has no row (or every row), as
 * sklearn then raises.
 */
export function rocAucOvr(probabilities: readonly (readonly number[])[], actualIndex: readonly number[]): number | null {
  if (probabilities.length !== actualIndex.length) {
    throw new Error(`probabilities and actualIndex differ in length (${probabilities.length} vs ${actualIndex.length}).`);
  }
  if (probabilities.length === 0) throw new Error("Cannot compute ROC AUC without any samples.");
  const classes = probabilities[0]!.length;
  if (classes < 2) throw new Error(`ROC AUC needs at least two classes, not ${classes}.`);
  probabilities.forEach((row, i) => {
    if (row.length !== classes) throw new Error(`probabilities[${i}] has ${row.length} classes; the first row has ${classes}.`);
    const k = actualIndex[i]!;
    if (!(Number.isInteger(k) && k >= 0 && k < classes)) throw new Error(`actualIndex[${i}] = ${k} is not a class index below ${classes}.`);
  });
  let total = 0;
  for (let k = 0; k < classes; k++) {
    const auc = rocAuc(
      actualIndex.map((a) => a === k),
      probabilities.map((row) => row[k]!),
    );
    if (auc === null) return null;
    total += auc;
  }
  return total / classes;
}
