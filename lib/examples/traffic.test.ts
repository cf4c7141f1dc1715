import { beforeAll, describe, expect, it } from "vitest";
import { demoSubscribersCsv } from "@/db/demo-data";
import { encodeTable, type FeaturePipeline } from "@/lib/ml/features";
import { predictClass } from "@/lib/ml/logistic-regression";
import { predictionRowSchema } from "@/lib/monitoring/schemas";
import { parseCsvTable, type SavedModel } from "./train";
import { driftIntensity, HOUR_MS, labelsKnown, normalQuantile, parseSavedModel, scoreRows, trafficBatch, trafficBatches, trainDemoModel, type TrafficBatch } from "./traffic";

const START = Date.UTC(2026, 10, 20, 0);

function performance(batches: TrafficBatch[]) {
  let tp = 0;
  let correct = 0;
  let positives = 0;
  let n = 0;
  for (const b of batches) {
    b.rows.forEach((row, i) => {
      const label = b.labels[i]!.label;
      n++;
      if (label === row.prediction) correct++;
      if (label === "true") positives++;
      if (label === "true" && row.prediction === "true") tp++;
    });
  }
  return { n, accuracy: correct / n, recall: tp / positives, churnRate: positives / n };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("example traffic", () => {
  let model: SavedModel;
  beforeAll(async () => {
    model = await trainDemoModel();
  });

  it("is deterministic: the same options give the same batches", () => {
    const options = { start: START, hours: 3, driftAfterHours: 1, rowsPerHour: 50 };
    expect(JSON.stringify(trafficBatches(model, options))).toBe(JSON.stringify(trafficBatches(model, options)));
    expect(JSON.stringify(trafficBatches(model, { ...options, seed: 2 }))).not.toBe(JSON.stringify(trafficBatches(model, options)));
  });

  it("makes one valid batch per hour, rows inside their hour, ids unique, sizes following the day", () => {
    const batches = trafficBatches(model, { start: START + 1234, hours: 24, driftAfterHours: 24 });
    expect(batches.map((b) => b.batchId)).toEqual(Array.from({ length: 24 }, (_, h) => `traffic-2026-11-20T${String(h).padStart(2, "0")}`));
    const ids = new Set<string>();
    for (const b of batches) {
      expect(b.drift).toBe(0);
      expect(b.rows.length).toBeGreaterThanOrEqual(Math.floor(200 * 0.65 * 0.9));
      expect(b.rows.length).toBeLessThanOrEqual(Math.ceil(200 * 1.35 * 1.1));
      const times = b.rows.map((r) => Date.parse(r.timestamp));
      expect(times).toEqual([...times].sort((x, y) => x - y));
      for (const t of times) expect(t >= b.hourStart && t < b.hourStart + HOUR_MS).toBe(true);
      for (const row of b.rows) {
        expect(predictionRowSchema.safeParse(row).success).toBe(true);
        ids.add(row.id);
      }
    }
    expect(ids.size).toBe(batches.reduce((n, b) => n + b.rows.length, 0));
    const sizes = batches.map((b) => b.rows.length);
    expect(Math.max(...sizes.slice(11, 17))).toBeGreaterThan(Math.max(...sizes.slice(0, 4)));
  });

  it("ramps the drift in over three hours from the drift point", () => {
    const driftAt = START + 10 * HOUR_MS;
    expect([9, 10, 11, 12, 13].map((h) => driftIntensity(START + h * HOUR_MS, driftAt))).toEqual([0, 1 / 3, 2 / 3, 1, 1]);
    expect(trafficBatches(model, { start: START, hours: 13, driftAfterHours: 10 }).map((b) => b.drift)).toEqual([...new Array(10).fill(0), 1 / 3, 2 / 3, 1]);
  });

  it("draws the healthy population like subscribers v1", () => {
    const v1 = parseCsvTable(demoSubscribersCsv(1));
    const column = (name: string) => v1.rows.map((r) => r[v1.header.indexOf(name)]!).filter((v) => v !== "");
    const rows = trafficBatches(model, { start: START, hours: 24, driftAfterHours: 24 }).flatMap((b) => b.rows);
    const feature = (name: string) => rows.map((r) => r.features[name]).filter((v) => v !== null);
    expect(mean(feature("monthly_fee") as number[])).toBeCloseTo(mean(column("monthly_fee").map(Number)), -0.5);
    expect(mean(feature("tenure_months") as number[])).toBeCloseTo(mean(column("tenure_months").map(Number)), 0);
    expect(mean(feature("support_tickets") as number[])).toBeCloseTo(mean(column("support_tickets").map(Number)), 1);
    const share = (xs: unknown[], value: unknown) => xs.filter((x) => x === value).length / xs.length;
    expect(share(feature("autopay"), true)).toBeCloseTo(share(column("autopay"), "true"), 1);
    expect(share(feature("plan"), "basic")).toBeCloseTo(share(column("plan"), "basic"), 1);
    expect(feature("country")).not.toContain("XX");
    expect(performance(trafficBatches(model, { start: START, hours: 24, driftAfterHours: 24 })).churnRate).toBeCloseTo(share(column("churned"), "true"), 1);
  });

  it("drifts: higher fees, more tickets, an unseen country — and accuracy and recall fall", () => {
    const healthy = trafficBatches(model, { start: START, hours: 24, driftAfterHours: 24 });
    const drifted = Array.from({ length: 24 }, (_, h) => trafficBatch(model, START + (24 + h) * HOUR_MS, 1));
    const rows = (bs: TrafficBatch[]) => bs.flatMap((b) => b.rows);
    const avg = (bs: TrafficBatch[], name: string) => mean(rows(bs).map((r) => r.features[name]).filter((v): v is number => typeof v === "number"));
    expect(avg(drifted, "monthly_fee") / avg(healthy, "monthly_fee")).toBeCloseTo(1.25, 1);
    expect(avg(drifted, "support_tickets") - avg(healthy, "support_tickets")).toBeGreaterThan(0.3);
    expect(rows(drifted).filter((r) => r.features.country === "XX").length / rows(drifted).length).toBeGreaterThan(0.05);
    const before = performance(healthy);
    const after = performance(drifted);
    expect(after.churnRate).toBeGreaterThan(before.churnRate + 0.1);
    expect(after.accuracy).toBeLessThan(before.accuracy - 0.08);
    expect(after.recall).toBeLessThan(before.recall - 0.05);
  });

  it("scores rows exactly as the trainer's model predicts them", () => {
    const table = parseCsvTable(demoSubscribersCsv(2, 300));
    const { target, columns, dropped, feature_names } = model.feature_pipeline;
    const pipeline: FeaturePipeline = { target, classes: model.classes, columns, dropped, featureNames: feature_names };
    const expected = predictClass(model, encodeTable(pipeline, table).x).map((k) => model.classes[k]);
    const features = table.rows.map((row) => Object.fromEntries(table.header.map((h, i) => [h, row[i] === "" ? null : row[i]!])));
    const scored = scoreRows(model, features);
    expect(scored.map((s) => s.prediction)).toEqual(expected);
    for (const s of scored) expect(s.prediction === "true").toBe(s.score > 0.5);
  });

  it("makes labels known a fixed delay after each prediction", () => {
    const batches = trafficBatches(model, { start: START, hours: 4, driftAfterHours: 4, labelDelayHours: 2, rowsPerHour: 20 });
    for (const b of batches) b.labels.forEach((l, i) => expect(l.knownAt - Date.parse(b.rows[i]!.timestamp)).toBe(2 * HOUR_MS));
    expect(labelsKnown(batches, START + 2 * HOUR_MS)).toEqual([]);
    const firstHour = labelsKnown(batches, START + 3 * HOUR_MS);
    expect(firstHour.map((l) => l.id)).toEqual(batches[0]!.rows.map((r) => r.id));
    expect(labelsKnown(batches, START + 4 * HOUR_MS, START + 3 * HOUR_MS).map((l) => l.id)).toEqual(batches[1]!.rows.map((r) => r.id));
  });

  it("reads only the trainer's model format", () => {
    expect(() => parseSavedModel("{")).toThrow(/not JSON/);
    expect(() => parseSavedModel('{"format": "sklearn"}')).toThrow(/not a ferry-logistic-regression\/v1 model/);
    expect(parseSavedModel(JSON.stringify(model))).toEqual(model);
  });

  it("inverts the normal CDF", () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });
});
