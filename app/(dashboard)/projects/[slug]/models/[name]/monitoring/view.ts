import type { FeatureDistribution } from "@/lib/monitoring/page-queries";
import type { DriftWindow, FeatureDriftOut, PerformanceWindow } from "@/lib/monitoring/queries";
import { rangeKeys, windowKinds, type RangeKey, type WindowKind } from "@/lib/monitoring/query-keys";

// The monitoring page's pure helpers, shared by the server page (prefetch, default feature) and its
// client components: the read API's answers, URL parameters, and how a drift method is plotted.

export interface DriftResponse {
  window: WindowKind;
  from: string;
  to: string;
  windows: DriftWindow[];
}

export interface PerformanceResponse {
  window: WindowKind;
  from: string;
  to: string;
  windows: PerformanceWindow[];
}

export type DistributionResponse = FeatureDistribution & { from: string; to: string };

export const defaultWindow: WindowKind = "hour";
export const defaultRange: RangeKey = "7d";

export const windowLabels: Record<WindowKind, string> = { hour: "Hour", day: "Day", batch: "Batch" };
export const rangeLabels: Record<RangeKey, string> = { "24h": "24 h", "7d": "7 days", "30d": "30 days" };
export const rangeSentence: Record<RangeKey, string> = { "24h": "the last 24 hours", "7d": "the last 7 days", "30d": "the last 30 days" };

export function parseWindow(raw: string | undefined): WindowKind {
  return (windowKinds as readonly string[]).includes(raw ?? "") ? (raw as WindowKind) : defaultWindow;
}

export function parseRange(raw: string | undefined): RangeKey {
  return (rangeKeys as readonly string[]).includes(raw ?? "") ? (raw as RangeKey) : defaultRange;
}

/** The page's URL for a window, range and feature (defaults left out). */
export function monitoringHref(base: string, q: { window: WindowKind; range: RangeKey; feature?: string | null }): string {
  const params = new URLSearchParams();
  if (q.window !== defaultWindow) params.set("window", q.window);
  if (q.range !== defaultRange) params.set("range", q.range);
  if (q.feature) params.set("feature", q.feature);
  const s = params.toString();
  return s ? `${base}?${s}` : base;
}

/** The latest window with a drift result. */
export function latestTested(windows: DriftWindow[]): DriftWindow | null {
  for (let i = windows.length - 1; i >= 0; i--) if (windows[i]!.driftShare !== null) return windows[i]!;
  return null;
}

/**
 * The feature to show first: the one asked for, else the latest window's drifted feature with the
 * largest PSI (comparable across features, whatever their test), else the largest PSI, else the first.
 */
export function pickFeature(features: string[], windows: DriftWindow[], requested: string | undefined): string | null {
  if (requested && features.includes(requested)) return requested;
  const latest = latestTested(windows);
  const candidates = (latest?.features ?? []).filter((f) => features.includes(f.name));
  const rank = (f: FeatureDriftOut) => (f.drifted ? 1e9 : 0) + (f.psi ?? 0);
  const best = [...candidates].sort((a, b) => rank(b) - rank(a))[0];
  return best?.name ?? features[0] ?? null;
}

const methodNames: Record<string, string> = {
  ks: "Kolmogorov–Smirnov",
  chisquare: "chi-square",
  z: "Z-test",
  wasserstein: "Wasserstein, normed",
  jensenshannon: "Jensen–Shannon",
  psi: "PSI",
};

/** How a method is plotted: tests by their p-value, distances by their score. */
export function methodPlot(method: string): { mode: "pvalue" | "distance"; valueLabel: string; name: string } {
  const name = methodNames[method] ?? method;
  if (method === "ks" || method === "chisquare" || method === "z") return { mode: "pvalue", valueLabel: `p-value (${name})`, name };
  if (method === "psi") return { mode: "distance", valueLabel: "PSI", name };
  // Short enough to fit along a 260 px axis.
  return { mode: "distance", valueLabel: method === "wasserstein" ? "Wasserstein distance" : `${name} distance`, name };
}

/** The method a feature is tested with most often in these windows (it can change with the data). */
export function usualMethod(windows: DriftWindow[], feature: string): FeatureDriftOut | null {
  const seen = new Map<string, { n: number; last: FeatureDriftOut }>();
  for (const w of windows) {
    const f = w.features.find((x) => x.name === feature);
    if (!f) continue;
    const entry = seen.get(f.method) ?? { n: 0, last: f };
    seen.set(f.method, { n: entry.n + 1, last: f });
  }
  let best: { n: number; last: FeatureDriftOut } | null = null;
  for (const e of seen.values()) if (!best || e.n >= best.n) best = e;
  return best?.last ?? null;
}

/** Error text of a failed read: the API's own message (written for users), else a generic one. */
export async function fetchJson<T>(url: string, what: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: "application/json" } });
  } catch {
    throw new Error(`Could not reach Ferry to load ${what}. Check your connection; it retries every 30 seconds.`);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
    throw new Error(typeof body?.error === "string" ? body.error : `Could not load ${what} (HTTP ${res.status}).`);
  }
  return res.json() as Promise<T>;
}
