import "server-only";
import { z } from "zod";
import type { Db } from "@/db";
import { SafeError } from "@/lib/actions/safe-error";
import { getJobStatuses, type JobStatusOfRun } from "@/lib/runs/page-queries";
import { countRuns, getRunSummaries, listRunKeys, searchRunIds, type RunSummary } from "./queries";
import { encodePageToken, parseFilter, parseOrderBy, type OrderBy } from "./search-filter";
import { primaryMetrics } from "./views";

// The project's runs table: MLflow's filter syntax, sorting and paging, all done by the database.

export const RUNS_PAGE_SIZE = 25;

const csv = z
  .string()
  .optional()
  .transform((s) => (s ? s.split(",").map((x) => x.trim()).filter(Boolean).slice(0, 12) : null));

export const runsPageQuerySchema = z.object({
  filter: z.string().max(2000).optional().default(""),
  order: z.string().max(300).optional().default("attributes.start_time DESC"),
  page: z.coerce.number().int().min(1).max(100_000).optional().default(1),
  metrics: csv,
  params: csv,
});
export type RunsPageQuery = z.infer<typeof runsPageQuerySchema>;

/** A run of the table; `job` is its launch state when it was launched through Ferry. */
export type RunsPageRow = RunSummary & { job: JobStatusOfRun | null };

export interface RunsPage {
  rows: RunsPageRow[];
  total: number;
  /** True when more than `total` runs match (counting stops at 10,000). */
  totalCapped: boolean;
  page: number;
  pageSize: number;
  order: OrderBy;
  metricColumns: string[];
  paramColumns: string[];
  availableMetrics: string[];
  availableParams: string[];
  /** A message for a filter or sort the user typed that could not be used. */
  error: string | null;
}

export async function listRunsPage(db: Db, projectId: string, q: RunsPageQuery): Promise<RunsPage> {
  const keys = await listRunKeys(db, projectId);
  const defaultMetrics = [...primaryMetrics.filter((k) => keys.metrics.includes(k)), ...keys.metrics.filter((k) => !(primaryMetrics as readonly string[]).includes(k))].slice(0, 5);
  const metricColumns = q.metrics ?? defaultMetrics;
  const paramColumns = q.params ?? keys.params.slice(0, 3);
  let error: string | null = null;
  let clauses: ReturnType<typeof parseFilter> = [];
  let order: OrderBy = { kind: "attribute", key: "start_time", ascending: false };
  try {
    clauses = parseFilter(q.filter);
  } catch (e) {
    if (!(e instanceof SafeError)) throw e;
    error = e.message;
  }
  try {
    order = parseOrderBy([q.order])[0] ?? order;
  } catch (e) {
    if (!(e instanceof SafeError)) throw e;
    error ??= e.message;
  }
  const spec = { projectIds: [projectId], clauses, orderBy: [order], viewType: "ACTIVE_ONLY" as const };
  const offset = (q.page - 1) * RUNS_PAGE_SIZE;
  const [page, total] = await Promise.all([
    searchRunIds(db, spec, RUNS_PAGE_SIZE, offset ? encodePageToken(offset) : null),
    countRuns(db, spec),
  ]);
  // Launch states by primary key for this page's runs only: the 100k-run search stays untouched.
  const [summaries, jobs] = await Promise.all([
    getRunSummaries(db, projectId, page.ids, paramColumns, metricColumns),
    getJobStatuses(db, projectId, page.ids),
  ]);
  return {
    rows: summaries.map((r) => ({ ...r, job: jobs.get(r.id) ?? null })),
    total: total.count,
    totalCapped: total.capped,
    page: q.page,
    pageSize: RUNS_PAGE_SIZE,
    order,
    metricColumns,
    paramColumns,
    availableMetrics: keys.metrics,
    availableParams: keys.params,
    error,
  };
}
