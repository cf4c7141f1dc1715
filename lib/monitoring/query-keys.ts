// React Query key factory for monitoring (the client and the server prefetch share it), and the
// read API's URLs. Ranges are relative to now ("the last 7 days"), so keys name the range, not its
// instants: a poll 30 s later refetches the same key with a window that has moved on.

export const windowKinds = ["hour", "day", "batch"] as const;
export type WindowKind = (typeof windowKinds)[number];

export const rangeKeys = ["24h", "7d", "30d"] as const;
export type RangeKey = (typeof rangeKeys)[number];

export const rangeMs: Record<RangeKey, number> = { "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 };

/** [from, to) of a range ending now. */
export function rangeBounds(range: RangeKey, now = Date.now()): { from: Date; to: Date } {
  return { from: new Date(now - rangeMs[range]), to: new Date(now) };
}

export const monitoringPollMs = 30_000;

export const monitoringKeys = {
  all: ["monitoring"] as const,
  model: (slug: string, model: string) => [...monitoringKeys.all, slug, model] as const,
  drift: (slug: string, model: string, window: WindowKind, range: RangeKey) => [...monitoringKeys.model(slug, model), "drift", window, range] as const,
  performance: (slug: string, model: string, window: WindowKind, range: RangeKey) => [...monitoringKeys.model(slug, model), "performance", window, range] as const,
  distribution: (slug: string, model: string, feature: string, range: RangeKey | { from: string; to: string }) =>
    [...monitoringKeys.model(slug, model), "distribution", feature, range] as const,
};

function base(slug: string, model: string): string {
  return `/api/v1/monitoring/${encodeURIComponent(slug)}/${encodeURIComponent(model)}`;
}

export function driftUrl(slug: string, model: string, window: WindowKind, from: Date, to: Date): string {
  return `${base(slug, model)}/drift?${new URLSearchParams({ window, from: from.toISOString(), to: to.toISOString() })}`;
}

export function performanceUrl(slug: string, model: string, window: WindowKind, from: Date, to: Date): string {
  return `${base(slug, model)}/performance?${new URLSearchParams({ window, from: from.toISOString(), to: to.toISOString() })}`;
}

export function distributionUrl(slug: string, model: string, feature: string, from: Date, to: Date): string {
  return `${base(slug, model)}/distribution?${new URLSearchParams({ feature, from: from.toISOString(), to: to.toISOString() })}`;
}

/** Where production predictions are posted (README: "Send production predictions (monitoring)"). */
export function batchesUrl(slug: string, model: string): string {
  return `${base(slug, model)}/batches`;
}

export function labelsUrl(slug: string, model: string): string {
  return `${base(slug, model)}/labels`;
}

export function ingestTokensUrl(slug: string, model: string): string {
  return `/api/v1/projects/${encodeURIComponent(slug)}/models/${encodeURIComponent(model)}/ingest-tokens`;
}
