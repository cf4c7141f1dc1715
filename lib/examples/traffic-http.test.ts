// example:traffic over real HTTP: the in-process server (lib/tracking/testing-server.ts) runs the
// real ingest and artifact route handlers on a PGlite (or PostgreSQL) seeded with the demo, and the
// command line itself runs as a child process against it.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { and, eq, isNotNull, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiTokens, predictionBatches, predictions, registeredModels, users } from "@/db/schema";
import { createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { request } from "@/lib/actions/testing";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import { generateApiToken, generateIngestToken } from "@/lib/auth/tokens";

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));

const { startTrackingServer } = await import("@/lib/tracking/testing-server");
const { seedDemo } = await import("@/db/seed");
const { createIngestToken } = await import("@/lib/monitoring/service");
const { getCurrentDeployment } = await import("@/lib/models/facts");
const { fetchRunModel, IngestHttpError, sendTraffic } = await import("./traffic-http");
const { HOUR_MS, trafficBatches } = await import("./traffic");

const run = promisify(execFile);
const START = Date.UTC(2026, 0, 5, 0);

describe(`example:traffic over HTTP on ${testDbKind}`, () => {
  let t: TestDatabase;
  let server: Awaited<ReturnType<typeof startTrackingServer>>;
  let artifacts: string;
  let ingestToken: string;
  let apiToken: string;
  let modelId: string;
  let productionRunId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    request.db = t.db;
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-traffic-"));
    setArtifactRootForTests(artifacts);
    await seedDemo(t.db);
    const [model] = await t.db.select().from(registeredModels);
    const [mle] = await t.db.select().from(users).where(eq(users.email, "mle@ferry.dev"));
    modelId = model!.id;
    productionRunId = (await getCurrentDeployment(t.db, model!.id, "production"))!.runId;
    ingestToken = (await createIngestToken(t.db, mle!, model!, "example traffic")).token;
    const { token, hash, displayPrefix } = generateApiToken();
    await t.db.insert(apiTokens).values({ userId: mle!.id, name: "traffic test", tokenHash: hash, prefix: displayPrefix });
    apiToken = token;
    server = await startTrackingServer();
  });
  afterAll(async () => {
    await server?.close();
    setArtifactRootForTests(null);
    fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  const batchCount = async (prefix: string) => (await t.db.select().from(predictionBatches).where(like(predictionBatches.batchId, `${prefix}%`))).length;

  it("downloads the production run's model through the artifact proxy", async () => {
    const model = await fetchRunModel(server.url, productionRunId, apiToken);
    expect(model).toEqual(JSON.parse(fs.readFileSync(path.join(artifacts, "runs", productionRunId, "model", "model.json"), "utf8")));
    await expect(fetchRunModel(server.url, productionRunId, "ferry_not-a-token")).rejects.toMatchObject({ status: 401 });
  });

  it("sends the batches gzipped, then the labels known by then; sending again changes nothing", async () => {
    const model = await fetchRunModel(server.url, productionRunId, apiToken);
    const batches = trafficBatches(model, { start: START, hours: 6, driftAfterHours: 3, rowsPerHour: 60, labelDelayHours: 2 });
    const lines: string[] = [];
    const options = { url: `${server.url}/`, token: ingestToken, project: "churn-prediction", model: "churn-classifier", now: START + 6 * HOUR_MS };
    const summary = await sendTraffic(batches, options, (line) => lines.push(line));
    const rows = batches.reduce((n, b) => n + b.rows.length, 0);
    const known = batches.flatMap((b) => b.labels).filter((l) => l.knownAt <= options.now).length;
    expect(summary).toMatchObject({ sent: 6, duplicates: 0, rows, labels: known });
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^2026-01-05 00:00Z {2}healthy +\d+ rows {2}drift share 0\.\d\d$/);
    expect(lines[5]).toMatch(/drifted .* DRIFTED$/);
    const stored = await t.db.select().from(predictions).innerJoin(predictionBatches, eq(predictionBatches.id, predictions.batchId)).where(like(predictionBatches.batchId, "traffic-2026-01-05%"));
    expect(stored).toHaveLength(rows);
    expect(stored.filter((s) => s.predictions.label !== null)).toHaveLength(known);
    // The server keeps what the model said and what happened, for the row with that id.
    const first = batches[0]!;
    const [p] = await t.db.select().from(predictions).where(and(eq(predictions.modelId, modelId), eq(predictions.predictionId, first.rows[0]!.id)));
    expect(p).toMatchObject({ prediction: first.rows[0]!.prediction, score: first.rows[0]!.score, label: first.labels[0]!.label });

    const again = await sendTraffic(batches, { ...options, now: options.now + 24 * HOUR_MS }, () => {});
    expect(again).toMatchObject({ sent: 0, duplicates: 6, labels: 0 });
    expect(await batchCount("traffic-2026-01-05")).toBe(6);
  });

  it("names the server's refusal", async () => {
    const model = await fetchRunModel(server.url, productionRunId, apiToken);
    const batches = trafficBatches(model, { start: START + 48 * HOUR_MS, hours: 1, driftAfterHours: 1, rowsPerHour: 5 });
    const options = { url: server.url, token: generateIngestToken().token, project: "churn-prediction", model: "churn-classifier", now: START };
    const error = await sendTraffic(batches, options, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestHttpError);
    expect(error).toMatchObject({ status: 401 });
    expect((error as Error).message).toMatch(/^401 from http:.*\/batches: Unknown ingest token\.$/);
  });

  it("runs as `npm run example:traffic` with a model file", async () => {
    const modelFile = path.join(artifacts, "runs", productionRunId, "model", "model.json");
    const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
    const args = ["lib/examples/traffic-cli.ts", "--url", server.url, "--hours", "3", "--drift-after", "1", "--rows-per-hour", "20", "--model-file", modelFile];
    const { stdout } = await run(tsx, args, { env: { ...process.env, FERRY_INGEST_TOKEN: ingestToken }, timeout: 60_000 });
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toBe(`Sending 3 hourly batches to churn-prediction/churn-classifier at ${server.url}`);
    expect(lines.slice(1, 4).map((l) => /Z {2}(\w+) /.exec(l)?.[1])).toEqual(["healthy", "drifting", "drifting"]);
    expect(lines[4]).toMatch(/^Done: 3 batches \(\d+ predictions\) sent, \d of them drifted; \d+ labels known by now sent \(outcomes take 6 h\)\.$/);
    // Labels of the last 6 hours are not known yet: none of these three hours has one.
    const labelled = await t.db
      .select()
      .from(predictions)
      .innerJoin(predictionBatches, eq(predictionBatches.id, predictions.batchId))
      .where(and(like(predictionBatches.batchId, "traffic-%"), isNotNull(predictions.label)));
    expect(labelled.every((l) => l.prediction_batches.batchId.startsWith("traffic-2026-01-05"))).toBe(true);

    const usage = await run(tsx, ["lib/examples/traffic-cli.ts", "--hours", "0"], { env: { ...process.env, FERRY_INGEST_TOKEN: "x" } }).catch((e: { stderr: string; code: number }) => e);
    expect(usage).toMatchObject({ code: 1, stderr: expect.stringContaining("--hours must be a whole number from 1 to 2160") });
  });
});
