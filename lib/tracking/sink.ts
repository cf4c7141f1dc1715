// What training code logs through (the reference trainer in lib/examples, the demo seed), so the same training code reports over MLflow's REST API
// (RestSink in ./mlflow-rest.ts) or in-process (the demo seed writes straight to the database).
// Shapes follow MLflow's: timestamps are epoch milliseconds, params and tags are strings.

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface DatasetInput {
  name: string;
  digest: string;
  source: string;
  sourceType: string;
  schema?: string;
  profile?: string;
  /** Becomes the `mlflow.data.context` input tag, e.g. "training". */
  context?: string;
}

export interface TrackingSink {
  readonly runId: string;
  logBatch(batch: { metrics?: MetricPoint[]; params?: KeyValue[]; tags?: KeyValue[] }): Promise<void>;
  logInputs(datasets: DatasetInput[]): Promise<void>;
  /** Writes (or replaces) a file of the run's artifacts; `path` is relative, "/"-separated, e.g. "model/MLmodel". */
  logArtifact(path: string, content: string | Uint8Array): Promise<void>;
  /** Records a logged model as MLflow's runs/log-model does: `modelJson` is the MLmodel file's content as a JSON object. */
  logModel(modelJson: string): Promise<void>;
  end(status: "FINISHED" | "FAILED", endTime: number): Promise<void>;
}
