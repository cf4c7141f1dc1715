// The reference trainer: a CSV in, a logistic regression trained, and everything an MLflow run
// records (params, tags, the dataset input, per-epoch metrics, per-class metrics, the model as
// artifacts under model/ and runs/log-model, the final status) logged through a TrackingSink.
// Users run it with `npm run example:train`; the demo seed runs it in-process.
import { createHash } from "node:crypto";
import { CsvParser } from "@/lib/datasets/csv";
import { normalizeField } from "@/lib/datasets/profile";
import { mulberry32 } from "@/lib/datasets/sample";
import { classificationReport, logLoss, rocAuc, rocAucOvr, type ClassMetrics } from "@/lib/ml/classification-metrics";
import { dropUnlabelled, encodeTable, fitFeatures, targetIndex, type EncodedTable, type FeaturePipeline, type StringTable } from "@/lib/ml/features";
import { classWeights, createModel, predictClass, predictProba, trainEpoch, trainingLoss, type ClassWeight, type LogisticRegressionModel } from "@/lib/ml/logistic-regression";
import { splitTrainValidation } from "@/lib/ml/split";
import type { KeyValue, MetricPoint, TrackingSink } from "@/lib/tracking/sink";

export interface TrainOptions {
  /** The CSV file's text. */
  csv: string;
  target: string;
  /** Label whose precision/recall/F1 are reported; by default the later of two labels, else macro averages. */
  positive?: string;
  epochs?: number;
  learningRate?: number;
  l2?: number;
  validationFraction?: number;
  seed?: number;
  /** Rows per gradient step; omitted means full batch (smooth, deterministic loss curves). */
  batchSize?: number;
  /** "balanced" reweights rows so a rare class counts as much as a common one; default "none". */
  classWeight?: ClassWeight;
  /** Sets the `mlflow.runName` tag; leave it out when resuming a run that already has a name. */
  runName?: string;
  /** Pause after each epoch (ms): makes a small demo run last long enough to watch it live. */
  epochDelayMs?: number;
  dataset: { name: string; source: string; sourceType: string };
}

export interface EpochMetrics {
  /** The training objective's data term: class-weighted when training is. */
  loss: number;
  /** Unweighted log loss on the validation rows, comparable across class weightings. */
  val_loss: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /**
   * Validation ROC AUC: of the positive label's probability when there is one (binary), else
   * one-vs-rest macro-averaged. Absent when not defined (a class missing from the validation rows).
   */
  roc_auc?: number;
}

export interface TrainSettings {
  epochs: number;
  learningRate: number;
  l2: number;
  validationFraction: number;
  seed: number;
  classWeight: ClassWeight;
}

/** More classes than this is almost always a continuous or identifier column picked as the target by mistake. */
export const MAX_CLASSES = 100;

export const TRAIN_DEFAULTS: Readonly<TrainSettings> = { epochs: 30, learningRate: 0.5, l2: 1e-3, validationFraction: 0.2, seed: 42, classWeight: "none" };

/** MLflow caps dataset digests at 36 characters; a sha256 prefix that long is still collision-free in practice. */
export function csvDigest(csv: string): string {
  return createHash("sha256").update(csv, "utf8").digest("hex").slice(0, 36);
}

/** Header + rows of trimmed cells (the parser leaves a CRLF's CR on the last field). */
export function parseCsvTable(csv: string): StringTable {
  const records: string[][] = [];
  const widths: { count: number; line: number }[] = [];
  const parser = new CsvParser((fields, count, line) => {
    records.push(fields.slice(0, count).map((f) => f.trim()));
    widths.push({ count, line });
  });
  parser.feed(csv.charCodeAt(0) === 0xfeff ? csv.slice(1) : csv);
  parser.finish();
  const header = records[0];
  if (!header) throw new Error("The CSV file is empty: there is no header row.");
  if (header.includes("")) throw new Error(`Column ${header.indexOf("") + 1} of the CSV header has no name.`);
  if (new Set(header).size !== header.length) throw new Error(`The CSV header repeats a column name: ${header.join(", ")}.`);
  const ragged = widths.find((w) => w.count !== header.length);
  if (ragged) throw new Error(`Line ${ragged.line} of the CSV has ${ragged.count} fields; the header has ${header.length}.`);
  return { header, rows: records.slice(1) };
}

interface Prepared {
  classes: string[];
  positive: string | undefined;
  pipeline: FeaturePipeline;
  featureNames: string[];
  train: EncodedTable;
  validation: EncodedTable;
  /** Per class index, from the training rows only. */
  classWeights: number[];
}

function subset(table: StringTable, indexes: number[]): StringTable {
  return { header: table.header, rows: indexes.map((i) => table.rows[i]!) };
}

/** Parses, splits, and fits the features on the training rows only. */
function prepare(options: TrainOptions, settings: TrainSettings): Prepared {
  const { validationFraction: fraction, seed } = settings;
  const labelled = dropUnlabelled(parseCsvTable(options.csv), options.target);
  const t = targetIndex(labelled, options.target);
  const split = splitTrainValidation(labelled.rows.map((row) => normalizeField(row[t]!)!), fraction, seed);
  const pipeline = fitFeatures(subset(labelled, split.train), options.target);
  const classes = pipeline.classes;
  if (classes.length < 2) throw new Error(`The target column "${options.target}" needs at least two distinct values; it has ${classes.join(", ") || "none"}.`);
  if (classes.length > MAX_CLASSES) {
    throw new Error(`The target column "${options.target}" has ${classes.length} distinct values: this trainer classifies, and a continuous target needs a regression model.`);
  }
  if (options.positive !== undefined && !classes.includes(options.positive)) {
    throw new Error(`The positive label "${options.positive}" is not a value of "${options.target}": ${classes.join(", ")}.`);
  }
  const train = encodeTable(pipeline, subset(labelled, split.train));
  return {
    classes,
    positive: options.positive ?? (classes.length === 2 ? classes[1] : undefined),
    pipeline,
    featureNames: pipeline.featureNames,
    train,
    validation: encodeTable(pipeline, subset(labelled, split.validation)),
    classWeights: classWeights(train.y, classes.length, settings.classWeight),
  };
}

/** Binary (a positive label): that label against the rest, scored by its probability; else OVR macro. */
function validationRocAuc(probabilities: number[][], data: Prepared): number | null {
  if (data.positive === undefined) return rocAucOvr(probabilities, data.validation.y);
  const k = data.classes.indexOf(data.positive);
  return rocAuc(
    data.validation.y.map((y) => y === k),
    probabilities.map((p) => p[k]!),
  );
}

function evaluate(model: LogisticRegressionModel, data: Prepared): { metrics: EpochMetrics; perClass: ClassMetrics[] } {
  const names = (indexes: number[]) => indexes.map((k) => data.classes[k]!);
  const report = classificationReport(names(data.validation.y), names(predictClass(model, data.validation.x)), {
    labels: data.classes,
    positive: data.positive,
  });
  const probabilities = predictProba(model, data.validation.x);
  const auc = validationRocAuc(probabilities, data);
  const metrics: EpochMetrics = {
    loss: trainingLoss(model, data.train.x, data.train.y, data.classWeights),
    val_loss: logLoss(probabilities, data.validation.y),
    accuracy: report.accuracy,
    precision: report.precision,
    recall: report.recall,
    f1: report.f1,
    ...(auc === null ? {} : { roc_auc: auc }),
  };
  return { metrics, perClass: report.perClass };
}

function kv(entries: Record<string, string | number | undefined>): KeyValue[] {
  return Object.entries(entries)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([key, value]) => ({ key, value: String(value) }));
}

/** Rows per gradient step as trained: a batch size of the training set or more is full batch. */
function batchSize(options: TrainOptions, data: Prepared): number {
  return options.batchSize && options.batchSize < data.train.y.length ? options.batchSize : data.train.y.length;
}

async function logSetup(sink: TrackingSink, options: TrainOptions, settings: TrainSettings, data: Prepared): Promise<void> {
  // 13 params and 3 tags: far inside MLflow's 100-per-batch limits, so one request.
  const params = kv({
    epochs: settings.epochs,
    learning_rate: settings.learningRate,
    l2: settings.l2,
    validation_fraction: settings.validationFraction,
    seed: settings.seed,
    class_weight: settings.classWeight,
    target: options.target,
    positive: data.positive,
    n_features: data.featureNames.length,
    n_train: data.train.y.length,
    n_validation: data.validation.y.length,
    batch_size: batchSize(options, data),
    model: "logistic_regression",
  });
  const tags = kv({ "mlflow.source.name": "ferry example:train", "mlflow.runName": options.runName, "ferry.trainer": "logistic-regression" });
  await sink.logBatch({ params, tags });
  const rows = data.train.y.length + data.validation.y.length;
  await sink.logInputs([
    {
      ...options.dataset,
      digest: csvDigest(options.csv),
      profile: JSON.stringify({ num_rows: rows }),
      context: "training",
    },
  ]);
}

function metricPoints(metrics: EpochMetrics, step: number, timestamp: number): MetricPoint[] {
  return Object.entries(metrics)
    .filter((e): e is [string, number] => e[1] !== undefined)
    .map(([key, value]) => ({ key, value, timestamp, step }));
}

// What the tracking API accepts in a metric key (lib/tracking/validation.ts), less "/": a label is one segment.
const notKeySegmentChar = /[^\p{L}\p{N}\p{M}_.\- :]/gu;
/** Keeps `class/<label>/precision` within MLflow's 250-character key limit. */
const MAX_LABEL_IN_KEY = 200;

/**
 * A class label as one segment of a metric key: characters the tracking API refuses become "_",
 * and "." or ".." (which would make the key resolve to another path) become "_" or "__".
 */
export function classKeySegment(label: string): string {
  const safe = Array.from(label.replace(notKeySegmentChar, "_")).slice(0, MAX_LABEL_IN_KEY).join("");
  return safe === "" || safe === "." || safe === ".." ? "_".repeat(Math.max(1, safe.length)) : safe;
}

/** One key segment per class, made unique ("a/b" and "a_b" would both be "a_b": the later gets "a_b_2"). */
function classKeySegments(classes: readonly string[]): string[] {
  const used = new Set<string>();
  return classes.map((label) => {
    const base = classKeySegment(label);
    let segment = base;
    for (let n = 2; used.has(segment); n++) segment = `${base}_${n}`;
    used.add(segment);
    return segment;
  });
}

/**
 * `class/<label>/{precision,recall,f1,support}` of the final evaluation. At most 4 × MAX_CLASSES =
 * 400 points: one runs/log-batch request (MLflow takes 1000), so the in-process sink needs no split.
 */
export function perClassMetricPoints(perClass: readonly ClassMetrics[], step: number, timestamp: number): MetricPoint[] {
  const segments = classKeySegments(perClass.map((c) => c.label));
  return perClass.flatMap((c, i) =>
    (["precision", "recall", "f1", "support"] as const).map((metric) => ({ key: `class/${segments[i]}/${metric}`, value: c[metric], timestamp, step })),
  );
}

function checkSettings(options: TrainOptions): TrainSettings {
  const settings: TrainSettings = {
    epochs: options.epochs ?? TRAIN_DEFAULTS.epochs,
    learningRate: options.learningRate ?? TRAIN_DEFAULTS.learningRate,
    l2: options.l2 ?? TRAIN_DEFAULTS.l2,
    validationFraction: options.validationFraction ?? TRAIN_DEFAULTS.validationFraction,
    seed: options.seed ?? TRAIN_DEFAULTS.seed,
    classWeight: options.classWeight ?? TRAIN_DEFAULTS.classWeight,
  };
  if (!Number.isInteger(settings.epochs) || settings.epochs < 1) throw new Error(`epochs must be a positive integer, not ${settings.epochs}.`);
  if (!(settings.learningRate > 0)) throw new Error(`The learning rate must be positive, not ${settings.learningRate}.`);
  if (!(settings.l2 >= 0)) throw new Error(`l2 must be zero or positive, not ${settings.l2}.`);
  if (settings.classWeight !== "none" && settings.classWeight !== "balanced") throw new Error(`The class weight must be "none" or "balanced", not "${String(settings.classWeight)}".`);
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize > 0)) {
    throw new Error(`The batch size must be a positive integer, not ${options.batchSize}.`);
  }
  return settings;
}

export const MODEL_FORMAT = "ferry-logistic-regression/v1";
export const MODEL_FLAVOR = "ferry_logreg";
/** Where the model goes among the run's artifacts, as mlflow.<flavor>.log_model(artifact_path="model"). */
export const MODEL_ARTIFACT_PATH = "model";

/**
 * model/model.json: everything needed to score new rows. Encode a row with `feature_pipeline`
 * (lib/ml/features.ts: numeric columns standardised, booleans 0/1, one-hot categories, anything
 * missing or unseen as in training), then p = softmax(weights · x + bias) over `classes`.
 */
export interface SavedModel {
  format: typeof MODEL_FORMAT;
  classes: string[];
  /** The label whose precision/recall/F1/ROC AUC were reported; null means macro averages. */
  positive: string | null;
  feature_pipeline: { target: string; columns: FeaturePipeline["columns"]; dropped: FeaturePipeline["dropped"]; feature_names: string[] };
  /** weights[k][d]: feature d's weight for class k. */
  weights: number[][];
  bias: number[];
  training: { epochs: number; learning_rate: number; l2: number; validation_fraction: number; seed: number; class_weight: ClassWeight; batch_size: number };
}

function savedModel(model: LogisticRegressionModel, data: Prepared, settings: TrainSettings, options: TrainOptions): SavedModel {
  const { target, columns, dropped, featureNames } = data.pipeline;
  return {
    format: MODEL_FORMAT,
    classes: data.classes,
    positive: data.positive ?? null,
    feature_pipeline: { target, columns, dropped, feature_names: featureNames },
    weights: model.weights,
    bias: model.bias,
    training: {
      epochs: settings.epochs,
      learning_rate: settings.learningRate,
      l2: settings.l2,
      validation_fraction: settings.validationFraction,
      seed: settings.seed,
      class_weight: settings.classWeight,
      batch_size: batchSize(options, data),
    },
  };
}

/** Python's str(datetime.utcnow()), which MLflow writes as a model's utc_time_created. */
function utcTimeCreated(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "000");
}

/** MLflow's model metadata: the MLmodel file's content, and (as JSON) runs/log-model's model_json. */
function modelMetadata(runId: string, createdMs: number) {
  return {
    artifact_path: MODEL_ARTIFACT_PATH,
    flavors: { [MODEL_FLAVOR]: { data: "model.json", format: MODEL_FORMAT } },
    run_id: runId,
    utc_time_created: utcTimeCreated(createdMs),
  };
}

/** YAML single-quoted: a run id of digits (and an "e") would otherwise read back as a number. */
const yamlQuoted = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** The MLmodel file, keys sorted as MLflow's yaml.safe_dump writes them. */
export function mlmodelYaml(metadata: ReturnType<typeof modelMetadata>): string {
  return [
    `artifact_path: ${metadata.artifact_path}`,
    "flavors:",
    `  ${MODEL_FLAVOR}:`,
    "    data: model.json",
    `    format: ${MODEL_FORMAT}`,
    `run_id: ${yamlQuoted(metadata.run_id)}`,
    `utc_time_created: ${yamlQuoted(metadata.utc_time_created)}`,
    "",
  ].join("\n");
}

/** Saves the model as artifacts (model/model.json, model/MLmodel), then records it with runs/log-model. */
async function logModel(sink: TrackingSink, saved: SavedModel, createdMs: number): Promise<void> {
  const metadata = modelMetadata(sink.runId, createdMs);
  await sink.logArtifact(`${MODEL_ARTIFACT_PATH}/model.json`, JSON.stringify(saved, null, 2) + "\n");
  await sink.logArtifact(`${MODEL_ARTIFACT_PATH}/MLmodel`, mlmodelYaml(metadata));
  await sink.logModel(JSON.stringify(metadata));
}

async function run(options: TrainOptions, sink: TrackingSink, clock: () => number): Promise<EpochMetrics> {
  const settings = checkSettings(options);
  const data = prepare(options, settings);
  await logSetup(sink, options, settings, data);
  const model = createModel(data.featureNames.length, data.classes.length);
  const random = mulberry32(settings.seed);
  let last: { metrics: EpochMetrics; perClass: ClassMetrics[]; timestamp: number } | undefined;
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    const descent = { learningRate: settings.learningRate, l2: settings.l2, batchSize: options.batchSize, classWeights: data.classWeights };
    trainEpoch(model, data.train.x, data.train.y, descent, random);
    last = { ...evaluate(model, data), timestamp: clock() };
    await sink.logBatch({ metrics: metricPoints(last.metrics, epoch, last.timestamp) });
    if (options.epochDelayMs && epoch < settings.epochs) await new Promise((r) => setTimeout(r, options.epochDelayMs));
  }
  await sink.logBatch({ metrics: perClassMetricPoints(last!.perClass, settings.epochs, last!.timestamp) });
  await logModel(sink, savedModel(model, data, settings, options), clock());
  return last!.metrics;
}

/**
 * Trains and logs one run, saves its model; ends it FINISHED, or FAILED (and rethrows) when anything goes wrong,
 * so a broken input never leaves a run RUNNING forever. Returns the last epoch's metrics.
 */
export async function trainAndLog(options: TrainOptions, sink: TrackingSink, clock: () => number = Date.now): Promise<EpochMetrics> {
  let metrics: EpochMetrics;
  try {
    metrics = await run(options, sink, clock);
  } catch (error) {
    // The training error is the one worth reporting; a failure to record FAILED must not mask it.
    await sink.end("FAILED", clock()).catch(() => undefined);
    throw error;
  }
  await sink.end("FINISHED", clock());
  return metrics;
}
