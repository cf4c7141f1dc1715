import { createHash } from "node:crypto";
import fs, { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { demoSubscribersCsv } from "@/db/demo-data";
import { apiTokens, users } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { request } from "@/lib/actions/testing";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import type { Actor } from "@/lib/auth/authorize";
import { generateApiToken } from "@/lib/auth/tokens";
import { encodeTable, type FeaturePipeline } from "@/lib/ml/features";
import { predictClass } from "@/lib/ml/logistic-regression";
import type { DatasetInput, KeyValue, MetricPoint, TrackingSink } from "@/lib/tracking/sink";
import { startTrackingServer } from "@/lib/tracking/testing-server";
import { validateKey } from "@/lib/tracking/validation";
import { MlflowRestClient, RestSink } from "./mlflow-rest";
import { classKeySegment, csvDigest, parseCsvTable, perClassMetricPoints, trainAndLog, type SavedModel, type TrainOptions } from "./train";

// The in-process tracking server (last describe) runs the real route handlers: as in
// lib/tracking/mlflow-api.test.ts, only what needs a Next.js request is replaced.
vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

/** Records every call, in order, as the in-process sink of the demo seed would receive them. */
class RecordingSink implements TrackingSink {
  readonly runId = "run-1";
  readonly batches: { metrics?: MetricPoint[]; params?: KeyValue[]; tags?: KeyValue[] }[] = [];
  readonly inputs: DatasetInput[][] = [];
  readonly artifacts = new Map<string, string>();
  readonly models: string[] = [];
  readonly ends: { status: string; endTime: number }[] = [];
  /** The kind of every call, in order. */
  readonly calls: string[] = [];

  async logBatch(batch: { metrics?: MetricPoint[]; params?: KeyValue[]; tags?: KeyValue[] }) {
    this.calls.push("logBatch");
    this.batches.push(batch);
  }
  async logInputs(datasets: DatasetInput[]) {
    this.calls.push("logInputs");
    this.inputs.push(datasets);
  }
  async logArtifact(path: string, content: string | Uint8Array) {
    this.calls.push(`logArtifact ${path}`);
    this.artifacts.set(path, typeof content === "string" ? content : new TextDecoder().decode(content));
  }
  async logModel(modelJson: string) {
    this.calls.push("logModel");
    this.models.push(modelJson);
  }
  async end(status: "FINISHED" | "FAILED", endTime: number) {
    this.calls.push(`end ${status}`);
    this.ends.push({ status, endTime });
  }
  /** One batch per epoch: the metrics of EpochMetrics. */
  get metricBatches() {
    return this.batches.filter((b) => b.metrics && !b.metrics[0]?.key.startsWith("class/"));
  }
  /** The final evaluation's `class/<label>/<metric>` batch. */
  get perClassBatches() {
    return this.batches.filter((b) => b.metrics?.[0]?.key.startsWith("class/"));
  }
  get savedModel(): SavedModel {
    return JSON.parse(this.artifacts.get("model/model.json")!) as SavedModel;
  }
}

function ticking(start = 1_700_000_000_000) {
  let now = start;
  return () => (now += 1000);
}

const csv = demoSubscribersCsv(1);
const options: TrainOptions = {
  csv,
  target: "churned",
  runName: "churn-baseline",
  dataset: { name: "subscribers", source: "ferry://demo/datasets/subscribers/versions/1", sourceType: "ferry" },
};
const METRIC_KEYS = ["loss", "val_loss", "accuracy", "precision", "recall", "f1", "roc_auc"];
const asMap = (kv: KeyValue[] | undefined) => Object.fromEntries((kv ?? []).map((e) => [e.key, e.value]));

describe("trainAndLog on the demo churn data", async () => {
  const sink = new RecordingSink();
  const final = await trainAndLog(options, sink, ticking());

  it("logs params and tags first, in one batch", () => {
    const first = sink.batches[0]!;
    expect(first.metrics).toBeUndefined();
    expect(asMap(first.params)).toEqual({
      epochs: "30",
      learning_rate: "0.5",
      l2: "0.001",
      validation_fraction: "0.2",
      seed: "42",
      class_weight: "none",
      target: "churned",
      positive: "true",
      n_features: "12", // plan×3, monthly_fee, tenure_months, support_tickets, autopay, country×5
      n_train: "1600",
      n_validation: "400",
      batch_size: "1600",
      model: "logistic_regression",
    });
    expect(asMap(first.tags)).toEqual({
      "mlflow.source.name": "ferry example:train",
      "mlflow.runName": "churn-baseline",
      "ferry.trainer": "logistic-regression",
    });
  });

  it("logs the dataset input with a 36-character sha256 prefix of the file's bytes", () => {
    const sha = createHash("sha256").update(Buffer.from(csv, "utf8")).digest("hex");
    expect(sink.inputs).toEqual([
      [
        {
          name: "subscribers",
          source: "ferry://demo/datasets/subscribers/versions/1",
          sourceType: "ferry",
          digest: sha.slice(0, 36),
          profile: JSON.stringify({ num_rows: 2000 }),
          context: "training",
        },
      ],
    ]);
    expect(csvDigest(csv)).toHaveLength(36);
  });

  it("logs one batch of the seven metrics per epoch, steps 1…30, timestamps from the clock", () => {
    const batches = sink.metricBatches;
    expect(batches).toHaveLength(30);
    batches.forEach((batch, i) => {
      expect(batch.metrics!.map((m) => m.key)).toEqual(METRIC_KEYS);
      expect(new Set(batch.metrics!.map((m) => m.step))).toEqual(new Set([i + 1]));
      expect(new Set(batch.metrics!.map((m) => m.timestamp)).size).toBe(1);
      for (const m of batch.metrics!) expect(Number.isFinite(m.value)).toBe(true);
    });
    const times = batches.map((b) => b.metrics![0]!.timestamp);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("lowers the training and validation loss, and keeps the scores in [0, 1]", () => {
    const series = (key: string) => sink.metricBatches.map((b) => b.metrics!.find((m) => m.key === key)!.value);
    expect(series("loss").at(-1)!).toBeLessThan(series("loss")[0]!);
    expect(series("val_loss").at(-1)!).toBeLessThan(series("val_loss")[0]!);
    for (const key of ["accuracy", "precision", "recall", "f1", "roc_auc"]) {
      for (const v of series(key)) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
    // About 11% of subscribers churn: anything useful beats always answering "false".
    expect(final.accuracy).toBeGreaterThan(0.85);
    // Even when it rarely answers "true", the model ranks churners well above stayers.
    expect(final.roc_auc!).toBeGreaterThan(0.7);
  });

  it("logs the final evaluation per class as class/<label>/{precision,recall,f1,support} at the last step", () => {
    expect(sink.perClassBatches).toHaveLength(1);
    const points = sink.perClassBatches[0]!.metrics!;
    expect(points.map((m) => m.key)).toEqual(
      ["false", "true"].flatMap((label) => ["precision", "recall", "f1", "support"].map((metric) => `class/${label}/${metric}`)),
    );
    const lastEpoch = sink.metricBatches.at(-1)!.metrics![0]!;
    for (const m of points) expect(m).toMatchObject({ step: 30, timestamp: lastEpoch.timestamp });
    const value = Object.fromEntries(points.map((m) => [m.key, m.value]));
    // "true" is the positive label: its row is what precision, recall and f1 report.
    expect(value["class/true/precision"]).toBe(final.precision);
    expect(value["class/true/recall"]).toBe(final.recall);
    expect(value["class/true/f1"]).toBe(final.f1);
    expect(value["class/false/support"]! + value["class/true/support"]!).toBe(400);
    expect(value["class/true/support"]).toBeGreaterThan(20);
  });

  it("saves the model as model/model.json and model/MLmodel, records it with log-model, then ends the run", () => {
    const tail = sink.calls.slice(sink.calls.lastIndexOf("logBatch") + 1);
    expect(tail).toEqual(["logArtifact model/model.json", "logArtifact model/MLmodel", "logModel", "end FINISHED"]);
    const created = "2023-11-14 22:13:51.000000"; // the clock's 31st reading (one per epoch, then the model's): 1_700_000_031_000
    expect(sink.artifacts.get("model/MLmodel")).toBe(
      [
        "artifact_path: model",
        "flavors:",
        "  ferry_logreg:",
        "    data: model.json",
        "    format: ferry-logistic-regression/v1",
        "run_id: 'run-1'",
        `utc_time_created: '${created}'`,
        "",
      ].join("\n"),
    );
    expect(JSON.parse(sink.models[0]!)).toEqual({
      artifact_path: "model",
      flavors: { ferry_logreg: { data: "model.json", format: "ferry-logistic-regression/v1" } },
      run_id: "run-1",
      utc_time_created: created,
    });
  });

  it("writes in model.json the classes, the positive label, the feature pipeline, the weights and the settings", () => {
    const saved = sink.savedModel;
    expect(saved).toMatchObject({
      format: "ferry-logistic-regression/v1",
      classes: ["false", "true"],
      positive: "true",
      training: { epochs: 30, learning_rate: 0.5, l2: 0.001, validation_fraction: 0.2, seed: 42, class_weight: "none", batch_size: 1600 },
    });
    expect(saved.feature_pipeline.target).toBe("churned");
    expect(saved.feature_pipeline.feature_names).toHaveLength(12);
    expect(saved.feature_pipeline.columns.map((c) => [c.name, c.kind])).toContainEqual(["country", "one-hot"]);
    expect(saved.feature_pipeline.dropped.map((d) => d.name)).toContain("subscriber_id");
    expect(saved.weights).toHaveLength(2);
    for (const w of saved.weights) expect(w).toHaveLength(12);
    expect(saved.bias).toHaveLength(2);
  });

  it("model.json alone scores new rows: re-encoded with its pipeline, the table is classified as in training", () => {
    const saved = sink.savedModel;
    const pipeline: FeaturePipeline = { ...saved.feature_pipeline, featureNames: saved.feature_pipeline.feature_names, classes: saved.classes };
    const table = encodeTable(pipeline, parseCsvTable(csv));
    const predicted = predictClass({ weights: saved.weights, bias: saved.bias }, table.x);
    const accuracy = predicted.filter((k, i) => k === table.y[i]).length / table.y.length;
    // Over all 2,000 rows (training and validation): close to the validation accuracy.
    expect(accuracy).toBeGreaterThan(0.85);
    expect(Math.abs(accuracy - final.accuracy)).toBeLessThan(0.03);
  });

  it("returns the last epoch's metrics and ends the run FINISHED", () => {
    const last = Object.fromEntries(sink.metricBatches.at(-1)!.metrics!.map((m) => [m.key, m.value]));
    expect(final).toEqual(last);
    expect(sink.ends).toHaveLength(1);
    expect(sink.ends[0]!.status).toBe("FINISHED");
    expect(sink.ends[0]!.endTime).toBeGreaterThan(sink.metricBatches.at(-1)!.metrics![0]!.timestamp);
  });

  it("is deterministic: the same inputs log the same metrics", async () => {
    const again = new RecordingSink();
    expect(await trainAndLog(options, again, ticking())).toEqual(final);
  });
});

describe("trainAndLog with balanced class weights", async () => {
  const plain = new RecordingSink();
  const balanced = new RecordingSink();
  const before = await trainAndLog(options, plain, ticking());
  const after = await trainAndLog({ ...options, classWeight: "balanced" }, balanced, ticking());

  it("logs class_weight and finds far more of the ~11% churners", () => {
    expect(asMap(balanced.batches[0]!.params).class_weight).toBe("balanced");
    // Unweighted, the model all but always answers "false"; balanced, most churners are found.
    expect(before.recall).toBeLessThan(0.2);
    expect(after.recall).toBeGreaterThan(0.6);
    expect(after.f1).toBeGreaterThan(before.f1);
  });

  it("logs the class-weighted training loss, which falls from ln 2 as the unweighted one does", () => {
    // At zero weights every row costs ln 2 and the balanced weights of all rows sum to n, so the
    // weighted loss starts at ln 2 too; the first point is logged after one step.
    const first = (sink: RecordingSink) => sink.metricBatches[0]!.metrics!.find((m) => m.key === "loss")!.value;
    expect(first(balanced)).toBeLessThan(Math.LN2);
    expect(after.loss).not.toBeCloseTo(before.loss, 3);
    expect(after.loss).toBeLessThan(first(balanced));
  });

  it("refuses an unknown class weight", async () => {
    const sink = new RecordingSink();
    await expect(trainAndLog({ ...options, classWeight: "auto" as never }, sink, ticking())).rejects.toThrow(/"none" or "balanced", not "auto"/);
    expect(sink.ends.map((e) => e.status)).toEqual(["FAILED"]);
  });
});

describe("trainAndLog failures", () => {
  it("ends the run FAILED and rethrows on an unknown target column", async () => {
    const sink = new RecordingSink();
    await expect(trainAndLog({ ...options, target: "churn" }, sink, ticking())).rejects.toThrow(/The target column "churn" is not in the table/);
    expect(sink.ends.map((e) => e.status)).toEqual(["FAILED"]);
    expect(sink.metricBatches).toHaveLength(0);
  });

  it("refuses a positive label the target never takes", async () => {
    const sink = new RecordingSink();
    await expect(trainAndLog({ ...options, positive: "yes" }, sink, ticking())).rejects.toThrow(/"yes" is not a value of "churned": false, true/);
    expect(sink.ends.map((e) => e.status)).toEqual(["FAILED"]);
  });

  it("still rethrows the training error when recording FAILED fails too", async () => {
    const sink = new RecordingSink();
    sink.end = async () => {
      throw new Error("server down");
    };
    await expect(trainAndLog({ ...options, epochs: 0 }, sink, ticking())).rejects.toThrow(/epochs must be a positive integer/);
  });

  it("refuses a continuous target", async () => {
    const sink = new RecordingSink();
    await expect(trainAndLog({ ...options, target: "monthly_fee" }, sink, ticking())).rejects.toThrow(/distinct values: this trainer classifies/);
    expect(sink.ends.map((e) => e.status)).toEqual(["FAILED"]);
  });

  it("macro-averages a multiclass target (plan) when no positive label is given, ROC AUC one-vs-rest", async () => {
    const sink = new RecordingSink();
    const final = await trainAndLog({ ...options, target: "plan", epochs: 3 }, sink, ticking());
    expect(asMap(sink.batches[0]!.params).positive).toBeUndefined();
    expect(sink.ends[0]!.status).toBe("FINISHED");
    expect(sink.metricBatches.at(-1)!.metrics!.map((m) => m.key)).toEqual(METRIC_KEYS);
    expect(final.roc_auc).toBeGreaterThanOrEqual(0);
    expect(final.roc_auc).toBeLessThanOrEqual(1);
    const perClass = sink.perClassBatches[0]!.metrics!;
    expect(perClass.map((m) => m.key.split("/")[1])).toEqual(["basic", "enterprise", "pro"].flatMap((plan) => [plan, plan, plan, plan]));
    expect(perClass.every((m) => m.step === 3)).toBe(true);
    expect(sink.savedModel).toMatchObject({ classes: ["basic", "enterprise", "pro"], positive: null });
  });

  it("omits roc_auc when it is not defined: a positive label absent from the validation rows", async () => {
    // 40 rows of "a", one "b": with a 20% validation split the "b" row lands in training.
    const rows = Array.from({ length: 40 }, (_, i) => `${i},a`);
    const csv = ["x,y", ...rows, "40,b"].join("\n");
    const sink = new RecordingSink();
    const final = await trainAndLog({ csv, target: "y", epochs: 2, dataset: options.dataset }, sink, ticking());
    expect(asMap(sink.batches[0]!.params)).toMatchObject({ positive: "b", n_validation: "8" });
    expect(final.roc_auc).toBeUndefined();
    expect(sink.metricBatches.at(-1)!.metrics!.map((m) => m.key)).toEqual(METRIC_KEYS.filter((k) => k !== "roc_auc"));
    expect(sink.ends[0]!.status).toBe("FINISHED");
  });

  it("ends the run FAILED, without log-model, when saving the model fails", async () => {
    const sink = new RecordingSink();
    sink.logArtifact = async () => {
      throw new Error("disk full");
    };
    await expect(trainAndLog({ ...options, epochs: 2 }, sink, ticking())).rejects.toThrow("disk full");
    expect(sink.models).toEqual([]);
    expect(sink.ends.map((e) => e.status)).toEqual(["FAILED"]);
  });
});

describe("per-class metric keys", () => {
  it("keep what the tracking API accepts and turn anything else into _", () => {
    expect(classKeySegment("true")).toBe("true");
    expect(classKeySegment("Pro plan: €9.99")).toBe("Pro plan: _9.99");
    expect(classKeySegment("a/b")).toBe("a_b");
    expect(classKeySegment("tab\there")).toBe("tab_here");
    expect(classKeySegment("Größe-ñ_1")).toBe("Größe-ñ_1");
    expect(classKeySegment("churn 🚀")).toBe("churn _");
    expect(classKeySegment(".")).toBe("_");
    expect(classKeySegment("..")).toBe("__");
    expect(classKeySegment("...")).toBe("...");
    expect(classKeySegment("x".repeat(300))).toBe("x".repeat(200));
  });

  it("are unique, and every one is a valid metric key", () => {
    const labels = ["a/b", "a_b", "..", "\\", "x".repeat(300), "ok"];
    const perClass = labels.map((label) => ({ label, precision: 1, recall: 1, f1: 1, support: 1 }));
    const points = perClassMetricPoints(perClass, 7, 1);
    const keys = points.map((p) => p.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.endsWith("/support"))).toEqual([
      "class/a_b/support",
      "class/a_b_2/support",
      "class/__/support",
      "class/_/support",
      `class/${"x".repeat(200)}/support`,
      "class/ok/support",
    ]);
    for (const key of keys) expect(validateKey("metric", key)).toBe(key);
    expect(points.every((p) => p.step === 7 && p.timestamp === 1)).toBe(true);
  });
});

describe("parseCsvTable", () => {
  it("trims cells (a CRLF leaves its CR on the last field), skips a BOM, and refuses ragged rows", () => {
    expect(parseCsvTable('\uFEFFa,b\r\n 1 ,"x,y"\r\n')).toEqual({ header: ["a", "b"], rows: [["1", "x,y"]] });
    expect(() => parseCsvTable("a,b\n1\n")).toThrow("Line 2 of the CSV has 1 fields; the header has 2.");
    expect(() => parseCsvTable("")).toThrow(/no header row/);
    expect(() => parseCsvTable("a,,b\n1,2,3\n")).toThrow("Column 2 of the CSV header has no name.");
  });
});

describe("public/demo/churn.csv", () => {
  it("is the seeded subscribers dataset, version 1, byte for byte (regenerate with lib/examples/write-demo-csv.ts)", () => {
    const file = readFileSync(path.join(import.meta.dirname, "..", "..", "public", "demo", "churn.csv"), "utf8");
    expect(file === csv).toBe(true);
  });
});

describe(`trainAndLog into Ferry's tracking server over HTTP (run token, as the agent's jobs log) on ${testDbKind}`, () => {
  let t: TestDatabase;
  let server: { url: string; close: () => Promise<void> };
  let artifacts: string;
  let runId: string;
  let experimentId: string;
  /** The data scientist's API token: the run token stops working once the run has ended. */
  let reader: MlflowRestClient;
  let readerToken: string;
  let final: Awaited<ReturnType<typeof trainAndLog>>;

  beforeAll(async () => {
    t = await createTestDatabase();
    const org = await createFixtureOrg(t.db);
    request.db = t.db;
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-train-artifacts-"));
    setArtifactRootForTests(artifacts);
    server = await startTrackingServer();
    const [ds] = await t.db.select().from(users).where(eq(users.id, org.users.dataScientist.id));
    const actor: Actor = { id: ds!.id, email: ds!.email, name: ds!.name, isAdmin: false, orgRole: ds!.orgRole, mustChangePassword: false, sessionId: null, tokenId: null };
    const { createRunWithToken } = await import("@/lib/tracking/service");
    const created = await createRunWithToken(t.db, actor, org.project, { runName: "over-http" });
    runId = created.id;
    experimentId = org.project.id;
    const job = new MlflowRestClient({ trackingUri: server.url, token: created.token, backoffMs: 1 });
    // No experiment id given: the sink reads it from runs/get before the first upload.
    final = await trainAndLog({ ...options, epochs: 5, runName: undefined }, new RestSink(job, runId), ticking());
    const { token, hash, displayPrefix } = generateApiToken();
    await t.db.insert(apiTokens).values({ userId: ds!.id, name: "test", tokenHash: hash, prefix: displayPrefix });
    readerToken = token;
    reader = new MlflowRestClient({ trackingUri: server.url, token, backoffMs: 1 });
  });
  afterAll(async () => {
    await server?.close();
    setArtifactRootForTests(null);
    fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  it("finishes the run with roc_auc and the per-class metrics among its metrics", async () => {
    const run = await reader.getRun(runId);
    expect(run.info.status).toBe("FINISHED");
    const latest = Object.fromEntries((run.data?.metrics ?? []).map((m) => [m.key, m]));
    expect(latest.roc_auc).toMatchObject({ value: final.roc_auc, step: 5 });
    for (const label of ["false", "true"]) {
      for (const metric of ["precision", "recall", "f1", "support"]) expect(latest[`class/${label}/${metric}`], `${label} ${metric}`).toMatchObject({ step: 5 });
    }
    expect(latest["class/true/recall"]!.value).toBe(final.recall);
  });

  it("stores model/model.json and model/MLmodel in the run's artifact root, served back by the artifact proxy", async () => {
    const dir = path.join(artifacts, "runs", runId, "model");
    expect(fs.readdirSync(dir).sort()).toEqual(["MLmodel", "model.json"]);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8")) as SavedModel;
    expect(saved).toMatchObject({ format: "ferry-logistic-regression/v1", classes: ["false", "true"], positive: "true", training: { epochs: 5 } });
    const mlmodel = fs.readFileSync(path.join(dir, "MLmodel"), "utf8");
    expect(mlmodel).toMatch(/^artifact_path: model\nflavors:\n  ferry_logreg:\n    data: model.json\n    format: ferry-logistic-regression\/v1\n/);
    expect(mlmodel).toContain(`run_id: '${runId}'\n`);
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/MLmodel`, {
      headers: { authorization: `Bearer ${readerToken}` },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(mlmodel);
  });

  it("records the model in the run's mlflow.log-model.history tag", async () => {
    const run = await reader.getRun(runId);
    const history = JSON.parse(run.data!.tags!.find((tag) => tag.key === "mlflow.log-model.history")!.value) as unknown[];
    expect(history).toEqual([
      {
        run_id: runId,
        artifact_path: "model",
        utc_time_created: "2023-11-14 22:13:26.000000", // the clock's 6th reading: after 5 epochs
        flavors: { ferry_logreg: { data: "model.json", format: "ferry-logistic-regression/v1" } },
      },
    ]);
  });
});
