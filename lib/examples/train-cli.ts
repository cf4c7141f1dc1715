// `npm run example:train -- --data <csv> --target <column> [options]`: trains the reference
// logistic regression on a CSV and logs it as an MLflow run over the REST API.
//
// This is a standalone client program — it runs wherever training runs, not inside Ferry — so it
// reads process.env directly (MLflow's own variables, as any MLflow client does) instead of going
// through lib/env.ts, which describes the server's configuration.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { MlflowRestClient, MlflowRestError, RestSink } from "./mlflow-rest";
import type { ClassWeight } from "@/lib/ml/logistic-regression";
import { parseCsvTable, trainAndLog, TRAIN_DEFAULTS, type EpochMetrics } from "./train";
import type { TrackingSink } from "@/lib/tracking/sink";

const DEFAULT_TRACKING_URI = "http://localhost:3000";
// Unlike the library (whose default, "none", is the plain textbook model), the command line
// defaults to "balanced": the targets people try first (churn, fraud, defaults) are imbalanced, and
// an unweighted fit there scores high accuracy by never predicting the rare class.
const CLI_CLASS_WEIGHT: ClassWeight = "balanced";
const CLASS_WEIGHTS: readonly ClassWeight[] = ["none", "balanced"];

const USAGE = `Usage: npm run example:train -- --data <file.csv> --target <column> [options]

  --positive <label>       label scored by precision/recall/F1 (default: the later of two labels)
  --tracking-uri <url>     MLflow-compatible server (MLFLOW_TRACKING_URI, default ${DEFAULT_TRACKING_URI})
  --experiment <slug>      experiment to log to: in Ferry, a project's slug (MLFLOW_EXPERIMENT_NAME / MLFLOW_EXPERIMENT_ID)
  --run-name <name>        name of the new run
  --dataset-uri <uri>      the dataset version the file came from: ferry://<project>/datasets/<name>/versions/<n>
  --epochs <n>             default ${TRAIN_DEFAULTS.epochs}
  --learning-rate <x>      default ${TRAIN_DEFAULTS.learningRate}
  --seed <n>               default ${TRAIN_DEFAULTS.seed}
  --epoch-delay-ms <ms>    pause after each epoch, to watch a short run live (default 0)
  --class-weight <mode>    none | balanced (default ${CLI_CLASS_WEIGHT}). Targets are often imbalanced
                           (say 11% churners): unweighted, the model reaches high accuracy by almost
                           never predicting the rare label, so its recall is near 0. "balanced"
                           weighs each class by n_samples / (n_classes · count), as scikit-learn
                           does; "none" keeps the predicted probabilities calibrated.

Environment: MLFLOW_RUN_ID resumes a pre-created run; MLFLOW_TRACKING_TOKEN, or
MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, authenticate.`;

/** A mistake in the command line: the message is followed by the usage text. */
class UsageError extends Error {}

interface CliConfig {
  data: string;
  target: string;
  positive?: string;
  trackingUri: string;
  experimentName?: string;
  experimentId?: string;
  runId?: string;
  runName?: string;
  datasetUri?: string;
  epochs?: number;
  learningRate?: number;
  seed?: number;
  epochDelayMs?: number;
  classWeight: ClassWeight;
  token?: string;
  username?: string;
  password?: string;
}

function classWeightOption(text: string | undefined): ClassWeight {
  if (text === undefined) return CLI_CLASS_WEIGHT;
  const mode = CLASS_WEIGHTS.find((c) => c === text);
  if (!mode) throw new UsageError(`--class-weight must be ${CLASS_WEIGHTS.join(" or ")}, not "${text}".`);
  return mode;
}

function numberOption(name: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${integer ? "a whole number" : "a number"}, not "${text}".`);
  }
  return value;
}

const OPTIONS = {
  data: { type: "string" },
  target: { type: "string" },
  positive: { type: "string" },
  "tracking-uri": { type: "string" },
  experiment: { type: "string" },
  "run-name": { type: "string" },
  "dataset-uri": { type: "string" },
  epochs: { type: "string" },
  "learning-rate": { type: "string" },
  seed: { type: "string" },
  "epoch-delay-ms": { type: "string" },
  "class-weight": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** parseArgs throws a TypeError for unknown or malformed options: a usage mistake too. */
function parseArgv(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function parseCli(argv: string[], environment: NodeJS.ProcessEnv): CliConfig | null {
  const values = parseArgv(argv);
  if (values.help) return null;
  if (!values.data) throw new UsageError("--data <file.csv> is required.");
  if (!values.target) throw new UsageError("--target <column> is required.");
  const env = (name: string) => environment[name] || undefined;
  return {
    data: values.data,
    target: values.target,
    positive: values.positive,
    trackingUri: values["tracking-uri"] ?? env("MLFLOW_TRACKING_URI") ?? DEFAULT_TRACKING_URI,
    experimentName: values.experiment ?? env("MLFLOW_EXPERIMENT_NAME"),
    experimentId: env("MLFLOW_EXPERIMENT_ID"),
    runId: env("MLFLOW_RUN_ID"),
    runName: values["run-name"],
    datasetUri: values["dataset-uri"],
    epochs: numberOption("epochs", values.epochs, true),
    learningRate: numberOption("learning-rate", values["learning-rate"], false),
    seed: numberOption("seed", values.seed, true),
    epochDelayMs: numberOption("epoch-delay-ms", values["epoch-delay-ms"], true),
    classWeight: classWeightOption(values["class-weight"]),
    token: env("MLFLOW_TRACKING_TOKEN"),
    username: env("MLFLOW_TRACKING_USERNAME"),
    password: env("MLFLOW_TRACKING_PASSWORD"),
  };
}

/** Reads the file and checks the target column before any run exists, so a typo leaves no failed run behind. */
function readCsv(config: CliConfig): string {
  let csv: string;
  try {
    csv = readFileSync(config.data, "utf8");
  } catch (error) {
    throw new Error(`Cannot read ${config.data}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  const { header } = parseCsvTable(csv);
  if (!header.includes(config.target)) throw new Error(`The column "${config.target}" is not in ${config.data}. Columns: ${header.join(", ")}.`);
  return csv;
}

async function experimentIdFor(client: MlflowRestClient, config: CliConfig): Promise<string> {
  if (config.experimentName !== undefined) {
    try {
      return (await client.getExperimentByName(config.experimentName)).experiment_id;
    } catch (error) {
      if (error instanceof MlflowRestError && error.errorCode === "RESOURCE_DOES_NOT_EXIST") {
        throw new Error(`There is no experiment "${config.experimentName}" at ${config.trackingUri}. In Ferry an experiment is a project: use the project's slug.`);
      }
      throw error;
    }
  }
  if (config.experimentId !== undefined) return config.experimentId;
  throw new UsageError("Say which experiment to log to: --experiment <project slug>, or set MLFLOW_EXPERIMENT_NAME or MLFLOW_EXPERIMENT_ID.");
}

/** MLFLOW_RUN_ID means a launcher created the run (and named it): log into it instead of creating one. */
async function openRun(client: MlflowRestClient, config: CliConfig): Promise<{ runId: string; experimentId: string; resumed: boolean }> {
  if (config.runId !== undefined) {
    const run = await client.getRun(config.runId);
    if (config.runName !== undefined) console.warn(`--run-name is ignored: resuming run ${run.info.run_id}, which already has a name.`);
    return { runId: run.info.run_id, experimentId: run.info.experiment_id, resumed: true };
  }
  const experimentId = await experimentIdFor(client, config);
  const run = await client.createRun({ experimentId, runName: config.runName, startTime: Date.now() });
  return { runId: run.info.run_id, experimentId, resumed: false };
}

function formatMetrics(metrics: Partial<Record<keyof EpochMetrics, number>>): string {
  return Object.entries(metrics)
    .map(([key, value]) => `${key} ${value.toFixed(4)}`)
    .join("  ");
}

/** Prints each epoch's metrics as they are logged (not the per-class ones, `class/<label>/…`), and the saved model. */
function withProgress(sink: TrackingSink, epochs: number): TrackingSink {
  return {
    runId: sink.runId,
    async logBatch(batch) {
      await sink.logBatch(batch);
      const points = (batch.metrics ?? []).filter((p) => !p.key.startsWith("class/"));
      if (points.length === 0) return;
      console.log(`epoch ${points[0]!.step}/${epochs}  ${formatMetrics(Object.fromEntries(points.map((p) => [p.key, p.value])))}`);
    },
    logInputs: (datasets) => sink.logInputs(datasets),
    logArtifact: (path, content) => sink.logArtifact(path, content),
    async logModel(modelJson) {
      await sink.logModel(modelJson);
      console.log("Saved the model as the run's artifacts model/model.json and model/MLmodel.");
    },
    end: (status, endTime) => sink.end(status, endTime),
  };
}

async function main(argv: string[]): Promise<void> {
  const config = parseCli(argv, process.env);
  if (config === null) {
    console.log(USAGE);
    return;
  }
  const csv = readCsv(config);
  const client = new MlflowRestClient({ trackingUri: config.trackingUri, token: config.token, username: config.username, password: config.password });
  const { runId, experimentId, resumed } = await openRun(client, config);
  console.log(`${resumed ? "Resuming" : "Created"} run ${runId} in experiment ${experimentId} at ${config.trackingUri}`);
  const absolute = path.resolve(config.data);
  const sink = withProgress(new RestSink(client, runId, experimentId), config.epochs ?? TRAIN_DEFAULTS.epochs);
  const metrics = await trainAndLog(
    {
      csv,
      target: config.target,
      positive: config.positive,
      epochs: config.epochs,
      learningRate: config.learningRate,
      seed: config.seed,
      epochDelayMs: config.epochDelayMs,
      classWeight: config.classWeight,
      runName: resumed ? undefined : config.runName,
      dataset: {
        name: path.basename(absolute, path.extname(absolute)),
        source: config.datasetUri ?? absolute,
        sourceType: config.datasetUri ? "ferry" : "local",
      },
    },
    sink,
  );
  console.log(`Run ${runId} finished: ${formatMetrics(metrics)}`);
  const base = config.trackingUri.replace(/\/+$/, "");
  console.log(
    config.experimentName
      ? `Open it in Ferry: ${base}/projects/${encodeURIComponent(config.experimentName)}/runs/${runId}`
      : `See it in Ferry under the project's Runs, or: ${base}/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`example:train: ${message}`);
  if (error instanceof UsageError) console.error(`\n${USAGE}`);
  process.exitCode = 1;
});
