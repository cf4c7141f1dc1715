import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MlflowRestClient, MlflowRestError, RestSink, splitBatch } from "./mlflow-rest";
import { trainAndLog } from "./train";

interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The JSON body, parsed; the raw text when it is not JSON (artifact uploads). */
  body: unknown;
}

type Answer = { status: number; body: unknown };

/** A stand-in MLflow server: records each request and answers from a queue (200 {} when empty). */
let server: Server;
let baseUrl: string;
let requests: Recorded[] = [];
let answers: Answer[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url!, "http://x");
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text || undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // An artifact's bytes: keep the text.
      }
      requests.push({ method: req.method!, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
      const answer = answers.shift() ?? { status: 200, body: {} };
      res.writeHead(answer.status, { "Content-Type": "application/json" });
      res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  requests = [];
  answers = [];
});

const run = { info: { run_id: "r1", experiment_id: "7", run_name: "baseline", status: "RUNNING", start_time: 1 } };

function client(extra: Partial<ConstructorParameters<typeof MlflowRestClient>[0]> = {}) {
  return new MlflowRestClient({ trackingUri: `${baseUrl}/`, backoffMs: 1, ...extra });
}

describe("MlflowRestClient requests", () => {
  it("looks an experiment up by name with a GET query", async () => {
    answers.push({ status: 200, body: { experiment: { experiment_id: "7", name: "churn & co" } } });
    expect(await client().getExperimentByName("churn & co")).toEqual({ experiment_id: "7", name: "churn & co" });
    expect(requests[0]).toMatchObject({ method: "GET", path: "/api/2.0/mlflow/experiments/get-by-name", query: { experiment_name: "churn & co" } });
  });

  it("creates a run and reads one back", async () => {
    answers.push({ status: 200, body: { run } }, { status: 200, body: { run } });
    const tags = [{ key: "team", value: "growth" }];
    expect(await client().createRun({ experimentId: "7", runName: "baseline", tags, startTime: 1234 })).toEqual(run);
    expect(requests[0]).toMatchObject({ method: "POST", path: "/api/2.0/mlflow/runs/create", body: { experiment_id: "7", run_name: "baseline", start_time: 1234, tags } });
    expect(requests[0]!.headers["content-type"]).toBe("application/json");
    expect(await client().getRun("r1")).toEqual(run);
    expect(requests[1]).toMatchObject({ method: "GET", path: "/api/2.0/mlflow/runs/get", query: { run_id: "r1" } });
  });

  it("logs a batch with non-finite values spelt as protobuf JSON strings", async () => {
    await client().logBatch("r1", {
      metrics: [
        { key: "loss", value: 0.25, timestamp: 10, step: 1 },
        { key: "loss", value: NaN, timestamp: 11, step: 2 },
        { key: "grad", value: Infinity, timestamp: 12, step: 2 },
        { key: "grad", value: -Infinity, timestamp: 13, step: 3 },
      ],
      params: [{ key: "lr", value: "0.5" }],
    });
    expect(requests[0]).toMatchObject({ method: "POST", path: "/api/2.0/mlflow/runs/log-batch" });
    expect(requests[0]!.body).toEqual({
      run_id: "r1",
      metrics: [
        { key: "loss", value: 0.25, timestamp: 10, step: 1 },
        { key: "loss", value: "NaN", timestamp: 11, step: 2 },
        { key: "grad", value: "Infinity", timestamp: 12, step: 2 },
        { key: "grad", value: "-Infinity", timestamp: 13, step: 3 },
      ],
      params: [{ key: "lr", value: "0.5" }],
      tags: [],
    });
  });

  it("logs dataset inputs with their context as an input tag", async () => {
    await client().logInputs("r1", [{ name: "churn", digest: "abc", source: "ferry://p/datasets/churn/versions/1", sourceType: "ferry", profile: '{"num_rows":3}', context: "training" }]);
    expect(requests[0]).toMatchObject({ path: "/api/2.0/mlflow/runs/log-inputs" });
    expect(requests[0]!.body).toEqual({
      run_id: "r1",
      datasets: [
        {
          tags: [{ key: "mlflow.data.context", value: "training" }],
          dataset: { name: "churn", digest: "abc", source_type: "ferry", source: "ferry://p/datasets/churn/versions/1", profile: '{"num_rows":3}' },
        },
      ],
    });
  });

  it("uploads an artifact with a PUT to the artifact proxy, each path segment encoded", async () => {
    await client({ token: "t0k3n" }).uploadArtifact("7", "r1", "model/my model#1.json", '{"a": 1}');
    expect(requests[0]).toMatchObject({ method: "PUT", path: "/api/2.0/mlflow-artifacts/artifacts/7/r1/artifacts/model/my%20model%231.json", body: { a: 1 } });
    expect(requests[0]!.headers["content-type"]).toBe("application/octet-stream");
    expect(requests[0]!.headers.authorization).toBe("Bearer t0k3n");
    await client().uploadArtifact("7", "r1", "model/MLmodel", new TextEncoder().encode("flavors: {}\n"));
    expect(requests[1]).toMatchObject({ method: "PUT", path: "/api/2.0/mlflow-artifacts/artifacts/7/r1/artifacts/model/MLmodel", body: "flavors: {}\n" });
  });

  it("retries an artifact upload on 503, with the same bytes", async () => {
    answers.push({ status: 503, body: { error_code: "TEMPORARILY_UNAVAILABLE", message: "busy" } });
    await client().uploadArtifact("7", "r1", "notes.txt", "hello");
    expect(requests.map((r) => [r.method, r.body])).toEqual([
      ["PUT", "hello"],
      ["PUT", "hello"],
    ]);
  });

  it("records a logged model with runs/log-model", async () => {
    await client().logModel("r1", '{"artifact_path":"model"}');
    expect(requests[0]).toMatchObject({ method: "POST", path: "/api/2.0/mlflow/runs/log-model", body: { run_id: "r1", model_json: '{"artifact_path":"model"}' } });
  });

  it("ends a run with runs/update", async () => {
    await client().updateRun("r1", "FINISHED", 99);
    expect(requests[0]).toMatchObject({ path: "/api/2.0/mlflow/runs/update", body: { run_id: "r1", status: "FINISHED", end_time: 99 } });
  });
});

describe("authentication", () => {
  it("sends a bearer token", async () => {
    await client({ token: "t0k3n", username: "ignored", password: "x" }).updateRun("r1", "FAILED", 1);
    expect(requests[0]!.headers.authorization).toBe("Bearer t0k3n");
  });

  it("sends basic credentials", async () => {
    await client({ username: "ada", password: "pässword" }).updateRun("r1", "FAILED", 1);
    expect(requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from("ada:pässword").toString("base64")}`);
  });

  it("sends nothing without credentials", async () => {
    await client().updateRun("r1", "FAILED", 1);
    expect(requests[0]!.headers.authorization).toBeUndefined();
  });
});

describe("errors and retries", () => {
  it("retries a 503 and succeeds", async () => {
    answers.push({ status: 503, body: { error_code: "TEMPORARILY_UNAVAILABLE", message: "busy" } }, { status: 503, body: "" });
    await client().logBatch("r1", { metrics: [{ key: "m", value: 1, timestamp: 1, step: 0 }] });
    expect(requests).toHaveLength(3);
    expect(requests.map((r) => r.body)).toEqual([requests[0]!.body, requests[0]!.body, requests[0]!.body]);
  });

  it("gives up after three retries with the last error", async () => {
    answers.push(...Array.from({ length: 4 }, () => ({ status: 500, body: { error_code: "INTERNAL_ERROR", message: "boom" } })));
    await expect(client().getRun("r1")).rejects.toThrow("MLflow GET /api/2.0/mlflow/runs/get failed with HTTP 500 INTERNAL_ERROR: boom");
    expect(requests).toHaveLength(4);
  });

  it("does not retry a 400 and reports the server's error code and message", async () => {
    answers.push({ status: 400, body: { error_code: "INVALID_PARAMETER_VALUE", message: "Metric key 'a/../b' is invalid" } });
    const error = await client()
      .logBatch("r1", { params: [{ key: "a/../b", value: "1" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlflowRestError);
    expect((error as MlflowRestError).message).toBe(
      "MLflow POST /api/2.0/mlflow/runs/log-batch failed with HTTP 400 INVALID_PARAMETER_VALUE: Metric key 'a/../b' is invalid",
    );
    expect(error).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE" });
    expect(requests).toHaveLength(1);
  });

  it("shows the start of a non-JSON error body", async () => {
    answers.push({ status: 404, body: "<html>Not Found</html>" });
    await expect(client().getRun("r1")).rejects.toThrow("failed with HTTP 404 <html>Not Found</html>");
  });

  it("retries network errors, then says which server it could not reach", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = new MlflowRestClient({ trackingUri: `http://127.0.0.1:${port}`, backoffMs: 1 });
    const error = (await unreachable.getRun("r1").catch((e: unknown) => e)) as MlflowRestError;
    expect(error.message).toMatch(new RegExp(`runs/get: cannot reach http://127.0.0.1:${port} \\(.*ECONNREFUSED`));
    expect(error.status).toBeNull();
  });
});

describe("RestSink", () => {
  it("splits batches to MLflow's limits", () => {
    const metrics = Array.from({ length: 1500 }, (_, i) => ({ key: "m", value: i, timestamp: 0, step: i }));
    const params = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: "v" }));
    const chunks = splitBatch({ metrics, params, tags: [{ key: "t", value: "v" }] });
    expect(chunks.map((c) => [c.metrics!.length, c.params!.length, c.tags!.length])).toEqual([
      [899, 100, 1], // 899 + 100 + 1 = 1000 entities
      [601, 50, 0],
    ]);
    expect(splitBatch({})).toEqual([]);
  });

  const toyCsv = ["x,y", ...Array.from({ length: 40 }, (_, i) => `${i},${i < 20 ? "a" : "b"}`)].join("\n");
  const toy = { csv: toyCsv, target: "y", epochs: 3, dataset: { name: "toy", source: "ferry://p/datasets/toy/versions/1", sourceType: "ferry" } };

  it("carries a whole training run over HTTP: params, input, epochs, per-class metrics, the model, the end", async () => {
    const sink = new RestSink(client({ token: "run-token" }), "r1", "7");
    await trainAndLog(toy, sink, () => 5);
    expect(requests.map((r) => `${r.method} ${r.path.replace("/api/2.0/mlflow/", "")}`)).toEqual([
      "POST runs/log-batch",
      "POST runs/log-inputs",
      "POST runs/log-batch",
      "POST runs/log-batch",
      "POST runs/log-batch",
      "POST runs/log-batch",
      "PUT /api/2.0/mlflow-artifacts/artifacts/7/r1/artifacts/model/model.json",
      "PUT /api/2.0/mlflow-artifacts/artifacts/7/r1/artifacts/model/MLmodel",
      "POST runs/log-model",
      "POST runs/update",
    ]);
    expect(requests.every((r) => r.headers.authorization === "Bearer run-token")).toBe(true);
    const epoch = (requests[4]!.body as { metrics: { key: string }[] }).metrics.map((m) => m.key);
    expect(epoch).toEqual(["loss", "val_loss", "accuracy", "precision", "recall", "f1", "roc_auc"]);
    const perClass = (requests[5]!.body as { metrics: { key: string; step: number }[] }).metrics;
    expect(perClass.map((m) => m.key)).toEqual(["a", "b"].flatMap((c) => ["precision", "recall", "f1", "support"].map((m) => `class/${c}/${m}`)));
    expect((requests[6]!.body as { format: string; classes: string[] })).toMatchObject({ format: "ferry-logistic-regression/v1", classes: ["a", "b"] });
    expect(requests[7]!.body).toMatch(/^artifact_path: model\n/);
    const model = requests[8]!.body as { run_id: string; model_json: string };
    expect(model.run_id).toBe("r1");
    expect(JSON.parse(model.model_json)).toMatchObject({ artifact_path: "model", run_id: "r1", flavors: { ferry_logreg: { data: "model.json" } } });
    expect(requests.at(-1)!.body).toEqual({ run_id: "r1", status: "FINISHED", end_time: 5 });
  });

  it("reads the experiment id from runs/get once when not given it", async () => {
    answers.push(
      { status: 200, body: {} }, // log-batch: params and tags
      { status: 200, body: {} }, // log-inputs
      ...Array.from({ length: 4 }, () => ({ status: 200, body: {} })), // 3 epochs, per-class
      { status: 200, body: { run } },
    );
    await trainAndLog(toy, new RestSink(client(), "r1"), () => 5);
    const paths = requests.map((r) => r.path);
    expect(paths.filter((p) => p === "/api/2.0/mlflow/runs/get")).toHaveLength(1);
    expect(paths.filter((p) => p.startsWith("/api/2.0/mlflow-artifacts/artifacts/7/r1/artifacts/model/"))).toHaveLength(2);
  });
});
