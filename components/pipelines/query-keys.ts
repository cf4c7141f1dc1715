// React Query keys and JSON routes of the pipeline pages (the server prefetches with the same keys).
export const pipelineKeys = {
  all: ["pipelines"] as const,
  run: (slug: string, pipeline: string, runId: string) => [...pipelineKeys.all, slug, pipeline.toLowerCase(), "runs", runId] as const,
};

/** GET: a pipeline run with its steps (PipelineRunDetail). */
export function pipelineRunJsonUrl(slug: string, pipeline: string, runId: string): string {
  return `/api/v1/projects/${encodeURIComponent(slug)}/pipelines/${encodeURIComponent(pipeline)}/runs/${runId}`;
}
