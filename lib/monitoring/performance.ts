// Classification metrics from confusion counts (DESIGN §4): binary with a positive label, else
// macro averages over the labels seen. A division by zero counts as 0 and is flagged, never NaN.
// Pure: the reads aggregate counts in SQL, so a window of a million predictions is a few rows here.

export interface ConfusionCount {
  actual: string;
  predicted: string;
  n: number;
}

export interface PerformanceMetrics {
  labelled: number;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  average: "binary" | "macro" | null;
  positive: string | null;
  /** Metrics that divided by zero and were reported as 0. */
  zeroDivision: string[];
}

export function metricsFromCounts(counts: readonly ConfusionCount[], positive: string | null): PerformanceMetrics {
  const labelled = counts.reduce((s, c) => s + c.n, 0);
  if (labelled === 0) return { labelled, accuracy: null, precision: null, recall: null, f1: null, average: null, positive: null, zeroDivision: [] };
  const labels = [...new Set(counts.flatMap((c) => [c.actual, c.predicted]))].sort();
  const correct = counts.filter((c) => c.actual === c.predicted).reduce((s, c) => s + c.n, 0);
  const zeroDivision: string[] = [];
  const perClass = (label: string) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const c of counts) {
      if (c.predicted === label && c.actual === label) tp += c.n;
      else if (c.predicted === label) fp += c.n;
      else if (c.actual === label) fn += c.n;
    }
    const ratio = (num: number, den: number, name: string) => {
      if (den === 0) {
        zeroDivision.push(`${name}:${label}`);
        return 0;
      }
      return num / den;
    };
    const precision = ratio(tp, tp + fp, "precision");
    const recall = ratio(tp, tp + fn, "recall");
    const f1 = precision + recall === 0 ? (zeroDivision.push(`f1:${label}`), 0) : (2 * precision * recall) / (precision + recall);
    return { precision, recall, f1 };
  };
  const binaryPositive = positive ?? (labels.every((l) => l === "true" || l === "false") ? "true" : null);
  if (binaryPositive !== null && labels.length <= 2) {
    const m = perClass(binaryPositive);
    return { labelled, accuracy: correct / labelled, ...m, average: "binary", positive: binaryPositive, zeroDivision };
  }
  const all = labels.map(perClass);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    labelled,
    accuracy: correct / labelled,
    precision: mean(all.map((m) => m.precision)),
    recall: mean(all.map((m) => m.recall)),
    f1: mean(all.map((m) => m.f1)),
    average: "macro",
    positive: null,
    zeroDivision,
  };
}
