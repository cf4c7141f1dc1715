// The HTTP side of `npm run example:traffic`: posts the generated hourly batches to Ferry's ingest
// API (gzip JSON, the model's ingest token), then the labels known by now — what a serving
// deployment and a labelling job would send. Also fetches a run's saved model through the MLflow
// artifact proxy. Plain fetch, no dependencies: it doubles as an example of the ingest API.
import { gzipSync } from "node:zlib";
import { MODEL_ARTIFACT_PATH, type SavedModel } from "./train";
import { labelsKnown, parseSavedModel, type TrafficBatch } from "./traffic";

/** At most this many labels per request (the API takes 10,000). */
const LABELS_PER_REQUEST = 5000;

export interface SendOptions {
  url: string;
  token: string;
  project: string;
  model: string;
  /** Labels whose outcome is known by this time (epoch ms) are sent. */
  now: number;
}

export interface SendSummary {
  sent: number;
  duplicates: number;
  drifted: number;
  rows: number;
  labels: number;
}

/** A refused request, with the server's own message ({"error": …}). */
export class IngestHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = "IngestHttpError";
  }
}

/** fetch's "fetch failed" says nothing: the reason is on its cause (ECONNREFUSED, "bad port"…). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(error);
}

function base(url: string): string {
  return url.replace(/\/+$/, "");
}

async function postJson(url: string, token: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify(body)),
    });
  } catch (error) {
    throw new IngestHttpError(`Cannot reach ${url}: ${networkReason(error)}. Is Ferry running there?`, null);
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new IngestHttpError(`${res.status} from ${url}: ${typeof json.error === "string" ? json.error : res.statusText}`, res.status);
  return { status: res.status, json };
}

function hourLabel(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + "Z";
}

/**
 * Sends each batch, printing one line per batch, then the labels known by `now` of the batches the
 * server took in this run. A batch it already had (same hour and prefix) is skipped with its labels:
 * its rows may have been generated with other settings, and a label must describe its own row.
 */
export async function sendTraffic(batches: readonly TrafficBatch[], options: SendOptions, log: (line: string) => void = console.log): Promise<SendSummary> {
  const api = `${base(options.url)}/api/v1/monitoring/${encodeURIComponent(options.project)}/${encodeURIComponent(options.model)}`;
  const summary: SendSummary = { sent: 0, duplicates: 0, drifted: 0, rows: 0, labels: 0 };
  const accepted: TrafficBatch[] = [];
  for (const batch of batches) {
    const { json } = await postJson(`${api}/batches`, options.token, { batchId: batch.batchId, rows: batch.rows });
    const phase = batch.drift === 0 ? "healthy " : batch.drift < 1 ? "drifting" : "drifted ";
    const head = `${hourLabel(batch.hourStart)}  ${phase}  ${String(batch.rows.length).padStart(4)} rows`;
    if (json.duplicate === true) {
      summary.duplicates++;
      log(`${head}  already received (batch ${batch.batchId}): skipped`);
      continue;
    }
    accepted.push(batch);
    summary.sent++;
    summary.rows += batch.rows.length;
    const drift = json.drift as { driftShare: number; drifted: boolean } | null;
    if (drift?.drifted) summary.drifted++;
    log(`${head}  ${drift ? `drift share ${drift.driftShare.toFixed(2)}${drift.drifted ? "  DRIFTED" : ""}` : "no drift reference"}`);
  }
  const labels = labelsKnown(accepted, options.now);
  for (let start = 0; start < labels.length; start += LABELS_PER_REQUEST) {
    const { json } = await postJson(`${api}/labels`, options.token, { labels: labels.slice(start, start + LABELS_PER_REQUEST) });
    summary.labels += typeof json.updated === "number" ? json.updated : 0;
  }
  return summary;
}

/**
 * A run's model/model.json through the MLflow artifact proxy, with an API token that can read the
 * run: runs/get gives its experiment, then GET /api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/model/model.json.
 */
export async function fetchRunModel(url: string, runId: string, apiToken: string): Promise<SavedModel> {
  const headers = { authorization: `Bearer ${apiToken}` };
  const get = async (path: string) => {
    let res: Response;
    try {
      res = await fetch(`${base(url)}${path}`, { headers });
    } catch (error) {
      throw new IngestHttpError(`Cannot reach ${base(url)}: ${networkReason(error)}.`, null);
    }
    if (!res.ok) {
      const json = (await res.json().catch(() => ({}))) as { message?: string; error?: string };
      throw new IngestHttpError(`${res.status} from ${path}: ${json.message ?? json.error ?? res.statusText}`, res.status);
    }
    return res;
  };
  const run = (await (await get(`/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`)).json()) as { run: { info: { experiment_id: string } } };
  const experimentId = run.run.info.experiment_id;
  const file = await get(`/api/2.0/mlflow-artifacts/artifacts/${encodeURIComponent(experimentId)}/${encodeURIComponent(runId)}/artifacts/${MODEL_ARTIFACT_PATH}/model.json`);
  return parseSavedModel(await file.text());
}
