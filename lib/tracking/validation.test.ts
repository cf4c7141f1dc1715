// Unit: MLflow's name rules and limits (mlflow/utils/validation.py), with MLflow's messages.
import { describe, expect, it } from "vitest";
import { MlflowError } from "./errors";
import {
  checkBatchCounts,
  limits,
  parseInt64,
  parseMetricValue,
  validateKey,
  validateParamValue,
  validateTagValue,
} from "./validation";
import { encodeValue } from "./views";

/** Runs `fn`, asserting it throws MLflow's INVALID_PARAMETER_VALUE with a message matching `message`. */
function expectInvalid(fn: () => unknown, message: RegExp | string) {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MlflowError);
  expect((error as MlflowError).errorCode).toBe("INVALID_PARAMETER_VALUE");
  if (typeof message === "string") expect((error as MlflowError).message.startsWith(message)).toBe(true);
  else expect((error as MlflowError).message).toMatch(message);
}

describe("validateKey", () => {
  it.each(["acc", "train/loss", "a.b-c d:e", "x_1", "précision", "损失", "Genauigkeit_ß", "a".repeat(limits.keyLength)])("accepts %j", (key) => {
    expect(validateKey("metric", key)).toBe(key);
  });

  it.each([
    ["", /Missing value for required parameter 'metric key'/],
    [null, /Missing value for required parameter 'metric key'/],
    [42, /Missing value for required parameter 'metric key'/],
    ["bad$", /Invalid metric name: 'bad\$'\. Names may only contain alphanumerics/],
    ["tab\there", /Names may only contain/],
    ["../x", /Invalid metric name: '\.\.\/x'\. Names may be treated as files.*resolve to '\.\.\/x'/],
    ["a/../b", /resolve to 'b'/],
    ["/abs", /resolve to '\/abs'/],
    ["a//b", /resolve to 'a\/b'/],
    ["./x", /resolve to 'x'/],
    ["x/", /resolve to 'x'/],
    [".", /resolve to '\.'/],
    ["a".repeat(251), /^Metric name 'a{40}…' had length 251, which exceeded length limit of 250\.$/],
  ])("rejects %j", (key, message) => {
    expectInvalid(() => validateKey("metric", key), message);
  });

  it.each(["param", "tag"] as const)("names the entity (%s) in messages", (entity) => {
    expectInvalid(() => validateKey(entity, "bad$"), `Invalid ${entity} name: 'bad$'.`);
  });
});

describe("validateParamValue / validateTagValue", () => {
  it.each([
    ["param", validateParamValue, limits.paramValueLength, "Param value"],
    ["tag", validateTagValue, limits.tagValueLength, "Tag value"],
  ] as const)("%s values up to the limit", (_, validate, limit, prefix) => {
    expect(limit).toBe(prefix === "Param value" ? 6000 : 5000);
    expect(validate("k", "v".repeat(limit))).toHaveLength(limit);
    expectInvalid(() => validate("k", "v".repeat(limit + 1)), `${prefix} '${"v".repeat(40)}…' had length ${limit + 1}, which exceeded length limit of ${limit}.`);
  });

  it.each([
    ["0.01", "0.01"],
    ["", ""],
    [0.01, "0.01"],
    [3, "3"],
    [true, "true"],
    [false, "false"],
  ])("coerces %j to %j", (value, expected) => {
    expect(validateParamValue("k", value)).toBe(expected);
    expect(validateTagValue("k", value)).toBe(expected);
  });

  it.each([
    [null, "null"],
    [undefined, "None"],
    [{ a: 1 }, '{"a":1}'],
    [["x"], '["x"]'],
  ])("refuses %j", (value, shown) => {
    expectInvalid(() => validateParamValue("lr", value), `Got invalid value ${shown} for param 'lr'. Please specify a string value.`);
    expectInvalid(() => validateTagValue("t", value), `Got invalid value ${shown} for tag 't'.`);
  });
});

describe("parseMetricValue", () => {
  it.each([
    [0.5, 0.5],
    [-3, -3],
    [1e-300, 1e-300],
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["-Infinity", -Infinity],
    ["inf", Infinity],
    ["-inf", -Infinity],
    ["1.5", 1.5],
    ["-2", -2],
    ["1e3", 1000],
    [" 7 ", 7],
  ])("parses %j", (value, expected) => {
    expect(parseMetricValue("m", value)).toBe(expected);
  });

  it.each([["abc"], [""], [" "], [null], [undefined], [{}], [[1]], [true], ["0x10"], ["0b1"], ["0o7"], ["1_000"]])("refuses %j", (value) => {
    expectInvalid(() => parseMetricValue("loss", value), /^Got invalid value .* for metric 'loss'.*valid double/);
  });
});

describe("parseInt64", () => {
  it.each([
    [5, 5],
    [-5, -5],
    [0, 0],
    ["12", 12],
    ["-12", -12],
    [" 12 ", 12],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ])("parses %j", (value, expected) => {
    expect(parseInt64("step", value)).toBe(expected);
  });

  it("falls back for null/undefined only when a fallback is given", () => {
    expect(parseInt64("step", undefined, 0)).toBe(0);
    expect(parseInt64("step", null, 7)).toBe(7);
    expect(parseInt64("step", "3", 7)).toBe(3);
    expectInvalid(() => parseInt64("timestamp", undefined), "Missing value for required parameter 'timestamp'.");
  });

  it.each([1.5, "1.5", "1e3", "abc", "", 2 ** 53, "9007199254740993", NaN, Infinity, true, {}])("refuses %j", (value) => {
    expectInvalid(() => parseInt64("step", value), /^Invalid value .* for parameter 'step' supplied: it must be an integer\.$/);
  });
});

describe("encodeValue (the wire encoding answers use)", () => {
  it.each([
    [0.25, 0.25],
    [-1, -1],
    [0, 0],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
  ])("encodes %s as %j and parses back", (value, encoded) => {
    expect(encodeValue(value)).toBe(encoded);
    expect(parseMetricValue("m", encodeValue(value))).toBe(value);
  });
});

describe("checkBatchCounts", () => {
  it.each([
    { metrics: 0, params: 0, tags: 0 },
    { metrics: 1000, params: 0, tags: 0 },
    { metrics: 0, params: 100, tags: 100 },
    { metrics: 800, params: 100, tags: 100 },
  ])("accepts %j", (counts) => {
    expect(() => checkBatchCounts(counts)).not.toThrow();
  });

  it.each([
    [{ metrics: 1001, params: 0, tags: 0 }, "A batch logging request can contain at most 1000 metrics. Got 1001 metrics."],
    [{ metrics: 0, params: 101, tags: 0 }, "A batch logging request can contain at most 100 params. Got 101 params."],
    [{ metrics: 0, params: 0, tags: 101 }, "A batch logging request can contain at most 100 tags. Got 101 tags."],
    [{ metrics: 801, params: 100, tags: 100 }, "A batch logging request can contain at most 1000 total metrics, params, and tags. Got 1001 total."],
  ])("refuses %j", (counts, message) => {
    expectInvalid(() => checkBatchCounts(counts), message);
  });
});
