// `npm run example:traffic -- --token ferryingest_… [options]`: sends realistic production traffic
// for a churn model to Ferry's ingest API — hourly batches of scored subscribers, healthy at first
// and drifting after a point, then the labels known by now (outcomes arrive hours late).
//
// A standalone client program, like example:train: it reads process.env directly (FERRY_URL,
// FERRY_INGEST_TOKEN, MLFLOW_TRACKING_TOKEN) instead of going through lib/env.ts, which describes
// the server's configuration.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { SavedModel } from "./train";
import { fetchRunModel, sendTraffic } from "./traffic-http";
import { HOUR_MS, parseSavedModel, TRAFFIC_DEFAULTS, trafficBatches, trainDemoModel } from "./traffic";

const DEFAULT_URL = "http://localhost:3000";
/** The busiest hour has ~1.5× the mean: keeps every batch under the API's 10,000 rows. */
const MAX_ROWS_PER_HOUR = 6000;

const USAGE = `Usage: npm run example:traffic -- --token ferryingest_… [options]

Sends one batch of scored predictions per hour for the last --hours hours (timestamps in the past,
so a history appears at once), healthy until --drift-after hours in, then drifting: a price rise
(fees +25%, more support tickets, an unseen country "XX") that also makes long-standing subscribers
leave, which the model cannot see — drift shows on the monitoring page, and accuracy and recall fall
as labels arrive. Then sends the true outcomes known by now: each one --label-delay hours after its
prediction, so the latest hours have none yet. Sending the same hours again changes nothing.

  --url <url>              Ferry (FERRY_URL, default ${DEFAULT_URL})
  --token <token>          the model's ingest token (FERRY_INGEST_TOKEN); create one on the model's
                           page, or POST /api/v1/projects/<project>/models/<model>/ingest-tokens
  --project <slug>         default churn-prediction
  --model <name>           default churn-classifier
  --hours <n>              hours of traffic ending at the last whole hour (default 48)
  --drift-after <n>        hours after the first before the drift sets in (default 24; ≥ --hours: none)
  --rows-per-hour <n>      mean rows per batch, following a daily cycle (default ${TRAFFIC_DEFAULTS.rowsPerHour})
  --label-delay <n>        hours until an outcome is known (default ${TRAFFIC_DEFAULTS.labelDelayHours})
  --seed <n>               default ${TRAFFIC_DEFAULTS.seed}

The model that scores the rows (the features must be the demo's subscribers columns):
  --model-file <path>      a model.json saved by \`npm run example:train\` (the run's model/model.json)
  --run-id <id>            download that run's model/model.json through the MLflow artifact proxy,
                           with an API token (--api-token or MLFLOW_TRACKING_TOKEN)
  (neither)                retrain the demo's production version (run balanced-lr) locally: training
                           is deterministic, so it is the same model.`;

class UsageError extends Error {}

const OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  project: { type: "string" },
  model: { type: "string" },
  hours: { type: "string" },
  "drift-after": { type: "string" },
  "rows-per-hour": { type: "string" },
  "label-delay": { type: "string" },
  seed: { type: "string" },
  "model-file": { type: "string" },
  "run-id": { type: "string" },
  "api-token": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function wholeNumber(name: string, text: string | undefined, fallback: number, min: number, max = 100_000): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${text}".`);
  return value;
}

function parseCli(argv: string[], env: NodeJS.ProcessEnv) {
  let values;
  try {
    values = parseArgs({ args: argv, options: OPTIONS }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return null;
  const token = values.token ?? (env.FERRY_INGEST_TOKEN || undefined);
  if (!token) throw new UsageError("--token ferryingest_… is required (or set FERRY_INGEST_TOKEN).");
  if (values["model-file"] && values["run-id"]) throw new UsageError("Give --model-file or --run-id, not both.");
  const apiToken = values["api-token"] ?? (env.MLFLOW_TRACKING_TOKEN || undefined);
  if (values["run-id"] && !apiToken) throw new UsageError("--run-id needs an API token that can read the run: --api-token or MLFLOW_TRACKING_TOKEN.");
  return {
    url: values.url ?? (env.FERRY_URL || DEFAULT_URL),
    token,
    project: values.project ?? "churn-prediction",
    model: values.model ?? "churn-classifier",
    hours: wholeNumber("hours", values.hours, 48, 1, 24 * 90),
    driftAfterHours: wholeNumber("drift-after", values["drift-after"], 24, 0),
    rowsPerHour: wholeNumber("rows-per-hour", values["rows-per-hour"], TRAFFIC_DEFAULTS.rowsPerHour, 1, MAX_ROWS_PER_HOUR),
    labelDelayHours: wholeNumber("label-delay", values["label-delay"], TRAFFIC_DEFAULTS.labelDelayHours, 0),
    seed: wholeNumber("seed", values.seed, TRAFFIC_DEFAULTS.seed, 0),
    modelFile: values["model-file"],
    runId: values["run-id"],
    apiToken,
  };
}

type CliConfig = NonNullable<ReturnType<typeof parseCli>>;

async function loadModel(config: CliConfig): Promise<SavedModel> {
  if (config.modelFile) {
    let text: string;
    try {
      text = readFileSync(config.modelFile, "utf8");
    } catch (error) {
      throw new Error(`Cannot read ${config.modelFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
    }
    return parseSavedModel(text);
  }
  if (config.runId) return fetchRunModel(config.url, config.runId, config.apiToken!);
  console.log("No --model-file or --run-id: retraining the demo's production model (balanced-lr) locally.");
  return trainDemoModel();
}

async function main(argv: string[]): Promise<void> {
  const config = parseCli(argv, process.env);
  if (config === null) {
    console.log(USAGE);
    return;
  }
  const model = await loadModel(config);
  const now = Date.now();
  const end = Math.floor(now / HOUR_MS) * HOUR_MS;
  const batches = trafficBatches(model, { ...config, start: end - config.hours * HOUR_MS });
  console.log(`Sending ${batches.length} hourly batches to ${config.project}/${config.model} at ${config.url}`);
  const summary = await sendTraffic(batches, { ...config, now });
  console.log(
    `Done: ${summary.sent} batches (${summary.rows} predictions) sent, ${summary.drifted} of them drifted` +
      (summary.duplicates ? `, ${summary.duplicates} already there` : "") +
      `; ${summary.labels} labels known by now sent (outcomes take ${config.labelDelayHours} h).`,
  );
  console.log(`See it in Ferry: ${config.url.replace(/\/+$/, "")}/projects/${encodeURIComponent(config.project)}/models/${encodeURIComponent(config.model)}`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`example:traffic: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof UsageError) console.error(`\n${USAGE}`);
  process.exitCode = 1;
});
