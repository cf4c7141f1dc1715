import { describe, expect, it } from "vitest";
import { parseModelSource, runsSource } from "./source";

const run = "0123456789abcdef0123456789abcdef";

describe("model version sources", () => {
  it.each([
    [`runs:/${run}/model`, ["model"], null],
    [`runs:/${run}`, [], null],
    [`runs:/${run}/models/final model`, ["models", "final model"], null],
    [`mlflow-artifacts:/exp-1/${run}/artifacts/model`, ["model"], "exp-1"],
    [`mlflow-artifacts://ferry.example:3000/exp-1/${run}/artifacts/model/`, ["model"], "exp-1"],
    [`mlflow-artifacts:/exp-1/${run}/artifacts`, [], "exp-1"],
  ])("accepts %s", (source, segments, experimentId) => {
    expect(parseModelSource(source)).toEqual({ runId: run, segments, experimentId });
  });

  it.each([
    [`runs:/${run}/../other`, "'..'"],
    [`runs:/${run}/model/..`, "'..'"],
    [`runs:/${run}/%2e%2e%2fother`, "'..'"],
    [`runs:/${run}/%2E%2E/other`, "'..'"],
    [`runs:/${run}/%252e%252e%252fother`, "'..'"],
    [`runs:/${run}/..%2fother`, "'..'"],
    [`runs:/${run}/model%2fweights`, "percent-encoded"],
    [`runs:/${run}/model\\..\\x`, "backslashes"],
    [`runs:/${run}/a%5cb`, "backslashes"],
    [`mlflow-artifacts:/e/${run}/artifacts/../../${run}`, "'..'"],
    ["file:///etc/passwd", "file: sources"],
    ["FILE:/etc/passwd", "file: sources"],
    ["/tmp/model", "local paths"],
    ["./model", "'.'"],
    ["~/model", "local paths"],
    ["C:/models/x", "local paths"],
    ["s3://bucket/model", "Ferry registers models from its own artifact store"],
    ["models:/churn/1", "Ferry registers models from its own artifact store"],
    ["runs:/not-a-run/model", "is not a run id"],
    [`runs:/${run}//model`, "empty path segments"],
    [`runs:/${run}/mo%zzdel`, "malformed percent-encoding"],
    [`runs:/${run}/a\u0000b`, "control characters"],
    ["", "it is empty"],
    ["model", "local paths"],
  ])("refuses %s", (source, why) => {
    expect(() => parseModelSource(source)).toThrow(why);
  });

  it("renders the canonical runs:/ form", () => {
    expect(runsSource(run, ["model"])).toBe(`runs:/${run}/model`);
    expect(runsSource(run, [])).toBe(`runs:/${run}`);
  });
});
