// A minimal MLflow REST API 2.0 client over fetch, for the reference trainer. It speaks the wire
// format any MLflow-compatible server understands (Ferry's or MLflow's own), so the example doubles
// as documentation of what a training job sends. No dependencies: users copy it freely.
import type { DatasetInput, KeyValue, MetricPoint, TrackingSink } from "@/lib/tracking/sink";

export interface MlflowRestOptions {
  trackingUri: string;
  /** Sent as `Authorization: Bearer <token>`; wins over username/password. */
  token?: string;
  username?: string;
  password?: string;
  /** Extra attempts after a network error, 429 or 5xx. */
  retries?: number;
  /** First retry delay; doubles with each retry. */
  backoffMs?: number;
  timeoutMs?: number;
}

export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

/** Response shapes, in MLflow's snake_case, with only the fields a client usually reads. */
export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
}

export interface MlflowRun {
  info: {
    run_id: string;
    experiment_id: string;
    run_name?: string;
    status: RunStatus;
    start_time?: number;
    end_time?: number;
    lifecycle_stage?: string;
  };
  data?: { metrics?: MetricPoint[]; params?: KeyValue[]; tags?: KeyValue[] };
}

export interface MlflowBatch {
  metrics?: MetricPoint[];
  params?: KeyValue[];
  tags?: KeyValue[];
}

/** A failed call. `status` is null when the server could not be reached. */
export class MlflowRestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly errorCode: string | null,
  ) {
    super(message);
    this.name = "MlflowRestError";
  }
}

// MLflow's per-request limits for runs/log-batch.
export const MAX_BATCH_METRICS = 1000;
export const MAX_BATCH_PARAMS = 100;
export const MAX_BATCH_TAGS = 100;
export const MAX_BATCH_ENTITIES = 1000;

/** Protobuf JSON has no literal for non-finite doubles: it spells them as strings. */
export function protoJsonDouble(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}

/** Splits a batch into requests MLflow accepts: ≤ 100 params, ≤ 100 tags, ≤ 1000 entities in all (none for an empty batch). */
export function splitBatch(batch: MlflowBatch): MlflowBatch[] {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  const chunks: MlflowBatch[] = [];
  let m = 0;
  let p = 0;
  let t = 0;
  while (m < metrics.length || p < params.length || t < tags.length) {
    const chunkParams = params.slice(p, p + MAX_BATCH_PARAMS);
    const chunkTags = tags.slice(t, t + MAX_BATCH_TAGS);
    const room = Math.min(MAX_BATCH_METRICS, MAX_BATCH_ENTITIES - chunkParams.length - chunkTags.length);
    const chunkMetrics = metrics.slice(m, m + room);
    chunks.push({ metrics: chunkMetrics, params: chunkParams, tags: chunkTags });
    m += chunkMetrics.length;
    p += chunkParams.length;
    t += chunkTags.length;
  }
  return chunks;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function isRetryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Builds the error from MLflow's `{error_code, message}` body, or the raw text of anything else. */
async function responseError(label: string, response: Response): Promise<MlflowRestError> {
  const text = await response.text().catch(() => "");
  let code: string | null = null;
  let detail = text.slice(0, 300);
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    if (typeof body.error_code === "string") code = body.error_code;
    if (typeof body.message === "string") detail = body.message;
  } catch {
    // Not JSON (a proxy's HTML error page, say): keep the start of the text.
  }
  const what = [code, detail].filter(Boolean).join(": ");
  return new MlflowRestError(`${label} failed with HTTP ${response.status}${what ? ` ${what}` : ""}`, response.status, code);
}

/** A tracking URI that points at some other web server answers 200 with HTML: say so plainly. */
async function parseBody<T>(label: string, response: Response): Promise<T> {
  const text = await response.text();
  try {
    return (text ? JSON.parse(text) : {}) as T;
  } catch {
    throw new MlflowRestError(`${label}: HTTP ${response.status} but the answer is not JSON; is the tracking URI an MLflow server?`, response.status, null);
  }
}

export class MlflowRestClient {
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;

  constructor(options: MlflowRestOptions) {
    this.base = options.trackingUri.replace(/\/+$/, "");
    this.headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (options.token) this.headers.Authorization = `Bearer ${options.token}`;
    else if (options.username !== undefined) {
      this.headers.Authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ""}`, "utf8").toString("base64")}`;
    }
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** A tracking API call: `path` below /api/2.0/mlflow/, a JSON body. */
  private request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    return this.send<T>(method, `/api/2.0/mlflow/${path}`, body === undefined ? undefined : JSON.stringify(body), this.headers);
  }

  /**
   * Retries network errors, 429 and 5xx with exponential backoff (or the server's Retry-After).
   * Safe for log-batch, which the server makes idempotent, and for artifact PUTs, which replace the
   * file whole; a retried runs/create may, like with MLflow's own client, leave a duplicate run
   * when only the response was lost.
   */
  private async send<T>(method: "GET" | "POST" | "PUT", path: string, body: string | Uint8Array<ArrayBuffer> | undefined, headers: Record<string, string>): Promise<T> {
    const label = `MLflow ${method} ${path.split("?")[0]}`;
    for (let attempt = 0; ; attempt++) {
      const delay = this.backoffMs * 2 ** attempt;
      let response: Response;
      try {
        response = await fetch(`${this.base}${path}`, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        if (attempt < this.retries) {
          await sleep(delay);
          continue;
        }
        const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
        throw new MlflowRestError(`${label}: cannot reach ${this.base} (${cause})`, null, null);
      }
      if (response.ok) return parseBody<T>(label, response);
      if (!isRetryable(response.status) || attempt >= this.retries) throw await responseError(label, response);
      await response.body?.cancel();
      const retryAfter = Number(response.headers.get("retry-after"));
      await sleep(retryAfter > 0 ? Math.min(retryAfter * 1000, 60_000) : delay);
    }
  }

  async getExperimentByName(name: string): Promise<MlflowExperiment> {
    const query = new URLSearchParams({ experiment_name: name });
    return (await this.request<{ experiment: MlflowExperiment }>("GET", `experiments/get-by-name?${query}`)).experiment;
  }

  async createRun(options: { experimentId: string; runName?: string; tags?: KeyValue[]; startTime?: number }): Promise<MlflowRun> {
    const body = { experiment_id: options.experimentId, run_name: options.runName, start_time: options.startTime ?? Date.now(), tags: options.tags ?? [] };
    return (await this.request<{ run: MlflowRun }>("POST", "runs/create", body)).run;
  }

  async getRun(runId: string): Promise<MlflowRun> {
    return (await this.request<{ run: MlflowRun }>("GET", `runs/get?${new URLSearchParams({ run_id: runId })}`)).run;
  }

  /** One request: split oversized batches with splitBatch (RestSink does). */
  async logBatch(runId: string, batch: MlflowBatch): Promise<void> {
    const metrics = (batch.metrics ?? []).map((m) => ({ key: m.key, value: protoJsonDouble(m.value), timestamp: m.timestamp, step: m.step }));
    await this.request("POST", "runs/log-batch", { run_id: runId, metrics, params: batch.params ?? [], tags: batch.tags ?? [] });
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    const inputs = datasets.map((d) => ({
      tags: d.context === undefined ? [] : [{ key: "mlflow.data.context", value: d.context }],
      dataset: { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source, schema: d.schema, profile: d.profile },
    }));
    await this.request("POST", "runs/log-inputs", { run_id: runId, datasets: inputs });
  }

  async updateRun(runId: string, status: RunStatus, endTime?: number): Promise<void> {
    await this.request("POST", "runs/update", { run_id: runId, status, end_time: endTime });
  }

  /**
   * Uploads one artifact file through MLflow's artifact proxy (what mlflow.log_artifact does
   * against a server started with --serve-artifacts): PUT /api/2.0/mlflow-artifacts/artifacts/
   * <experiment id>/<run id>/artifacts/<path>. `path` is relative and "/"-separated.
   */
  async uploadArtifact(experimentId: string, runId: string, path: string, content: string | Uint8Array): Promise<void> {
    const encoded = [experimentId, runId, "artifacts", ...path.split("/")].map(encodeURIComponent).join("/");
    // A copy is ArrayBuffer-backed, as fetch's body type requires (a view may sit on a SharedArrayBuffer).
    const body = typeof content === "string" ? new TextEncoder().encode(content) : new Uint8Array(content);
    await this.send("PUT", `/api/2.0/mlflow-artifacts/artifacts/${encoded}`, body, { ...this.headers, "Content-Type": "application/octet-stream" });
  }

  /** Records a logged model: `modelJson` is the MLmodel file's content as JSON (artifact_path, run_id, utc_time_created, flavors). */
  async logModel(runId: string, modelJson: string): Promise<void> {
    await this.request("POST", "runs/log-model", { run_id: runId, model_json: modelJson });
  }
}

/** Logs to one run over REST, splitting batches to MLflow's limits. */
export class RestSink implements TrackingSink {
  /** Without `experimentId`, the first artifact upload reads it from runs/get. */
  constructor(
    private readonly client: MlflowRestClient,
    readonly runId: string,
    private experimentId?: string,
  ) {}

  async logBatch(batch: MlflowBatch): Promise<void> {
    for (const chunk of splitBatch(batch)) await this.client.logBatch(this.runId, chunk);
  }

  logInputs(datasets: DatasetInput[]): Promise<void> {
    return this.client.logInputs(this.runId, datasets);
  }

  async logArtifact(path: string, content: string | Uint8Array): Promise<void> {
    this.experimentId ??= (await this.client.getRun(this.runId)).info.experiment_id;
    await this.client.uploadArtifact(this.experimentId, this.runId, path, content);
  }

  logModel(modelJson: string): Promise<void> {
    return this.client.logModel(this.runId, modelJson);
  }

  end(status: "FINISHED" | "FAILED", endTime: number): Promise<void> {
    return this.client.updateRun(this.runId, status, endTime);
  }
}
