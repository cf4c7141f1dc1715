// The reference trainer: a CSV in, a logistic regression trained, and everything an MLflow run
// records (params, tags, the dataset input, per-epoch metrics, the final status) logged through a
// TrackingSink. Users run it with `npm run example:train`; the demo seed runs it in-process.
import { createHash } from "node:crypto";
import { CsvParser } from "@/lib/datasets/csv";
import { normalizeField } from "@/lib/datasets/profile";
import { mulberry32 } from "@/lib/datasets/sample";
import { classificationReport, logLoss } from "@/lib/ml/classification-metrics";
import { dropUnlabelled, encodeTable, fitFeatures, targetIndex, type EncodedTable, type StringTable } from "@/lib/ml/features";
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
    featureNames: pipeline.featureNames,
    train,
    validation: encodeTable(pipeline, subset(labelled, split.validation)),
    classWeights: classWeights(train.y, classes.length, settings.classWeight),
  };
}

function evaluate(model: LogisticRegressionModel, data: Prepared): EpochMetrics {
  const names = (indexes: number[]) => indexes.map((k) => data.classes[k]!);
  const report = classificationReport(names(data.validation.y), names(predictClass(model, data.validation.x)), {
    labels: data.classes,
    positive: data.positive,
  });
  return {
    loss: trainingLoss(model, data.train.x, data.train.y, data.classWeights),
    val_loss: logLoss(predictProba(model, data.validation.x), data.validation.y),
    accuracy: report.accuracy,
    precision: report.precision,
    recall: report.recall,
    f1: report.f1,
  };
}

function kv(entries: Record<string, string | number | undefined>): KeyValue[] {
  return Object.entries(entries)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([key, value]) => ({ key, value: String(value) }));
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
    batch_size: options.batchSize && options.batchSize < data.train.y.length ? options.batchSize : data.train.y.length,
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
  return Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp, step }));
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

async function run(options: TrainOptions, sink: TrackingSink, clock: () => number): Promise<EpochMetrics> {
  const settings = checkSettings(options);
  const data = prepare(options, settings);
  await logSetup(sink, options, settings, data);
  const model = createModel(data.featureNames.length, data.classes.length);
  const random = mulberry32(settings.seed);
  let metrics: EpochMetrics | undefined;
  for (let epoch = 1; epoch <= settings.epochs; epoch++) {
    const descent = { learningRate: settings.learningRate, l2: settings.l2, batchSize: options.batchSize, classWeights: data.classWeights };
    trainEpoch(model, data.train.x, data.train.y, descent, random);
    metrics = evaluate(model, data);
    await sink.logBatch({ metrics: metricPoints(metrics, epoch, clock()) });
    if (options.epochDelayMs && epoch < settings.epochs) await new Promise((r) => setTimeout(r, options.epochDelayMs));
  }
  return metrics!;
}

/**
 * Trains and logs one run; ends it FINISHED, or FAILED (and rethrows) when anything goes wrong,
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
