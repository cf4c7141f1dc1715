// React Query key factory for the projects domain (client and server prefetch share it).
export const projectKeys = {
  all: ["projects"] as const,
  activity: (slug: string) => [...projectKeys.all, slug, "activity"] as const,
};

export function activityUrl(slug: string, cursor?: number | null, limit = 20): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (cursor) params.set("cursor", String(cursor));
  return `/api/v1/projects/${encodeURIComponent(slug)}/activity?${params}`;
}
