import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { demoSubscribersCsv } from "@/db/demo-data";
import { csvDigest, parseCsvTable, trainAndLog, type TrainOptions } from "./train";
import type { DatasetInput, KeyValue, MetricPoint, TrackingSink } from "@/lib/tracking/sink";

/** Records every call, in order, as the in-process sink of the demo seed would receive them. */
class RecordingSink implements TrackingSink {
  readonly runId = "run-1";
  readonly batches: { metrics?: MetricPoint[]; params?: KeyValue[]; tags?: KeyValue[] }[] = [];
  readonly inputs: DatasetInput[][] = [];
  readonly ends: { status: string; endTime: number }[] = [];

  async logBatch(batch: { metrics?: MetricPoint[]; params?: KeyValue[]; tags?: KeyValue[] }) {
    this.batches.push(batch);
  }
  async logInputs(datasets: DatasetInput[]) {
    this.inputs.push(datasets);
  }
  async end(status: "FINISHED" | "FAILED", endTime: number) {
    this.ends.push({ status, endTime });
  }
  get metricBatches() {
    return this.batches.filter((b) => b.metrics);
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
const METRIC_KEYS = ["loss", "val_loss", "accuracy", "precision", "recall", "f1"];
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

  it("logs one batch of the six metrics per epoch, steps 1…30, timestamps from the clock", () => {
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
    for (const key of ["accuracy", "precision", "recall", "f1"]) {
      for (const v of series(key)) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
    // About 11% of subscribers churn: anything useful beats always answering "false".
    expect(final.accuracy).toBeGreaterThan(0.85);
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

  it("macro-averages a multiclass target (plan) when no positive label is given", async () => {
    const sink = new RecordingSink();
    await trainAndLog({ ...options, target: "plan", epochs: 3 }, sink, ticking());
    expect(asMap(sink.batches[0]!.params).positive).toBeUndefined();
    expect(sink.ends[0]!.status).toBe("FINISHED");
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
