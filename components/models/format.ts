// Words and numbers of the model registry pages (client-safe).

/** Evaluation metrics with 4 decimals; "—" when not logged. */
export function formatModelMetric(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  return v.toFixed(4);
}

/** Labels of the key metrics (DESIGN §2.6). */
export const keyMetricLabels: Record<string, string> = {
  accuracy: "Accuracy",
  precision: "Precision",
  recall: "Recall",
  f1: "F1",
  roc_auc: "ROC AUC",
};

export const metricLabel = (key: string) => keyMetricLabels[key] ?? key;

/** "2 versions", "1 version". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export const shortDigest = (d: string | null | undefined, n = 12) => (d ? d.slice(0, n) : null);
