// Unit: the MLflow run-search subset (filter, order_by, page tokens) parses like MLflow's search_utils.
import { describe, expect, it } from "vitest";
import { MlflowError } from "./errors";
import { decodePageToken, encodePageToken, parseFilter, parseOrderBy } from "./search-filter";

/** Runs `fn`, asserting it throws MLflow's INVALID_PARAMETER_VALUE with a message matching `message`. */
function expectInvalid(fn: () => unknown, message: RegExp) {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(MlflowError);
  expect((error as MlflowError).errorCode).toBe("INVALID_PARAMETER_VALUE");
  expect((error as MlflowError).message).toMatch(message);
}

describe("parseFilter", () => {
  it.each([null, undefined, "", "   "])("returns no clauses for %j", (f) => {
    expect(parseFilter(f)).toEqual([]);
  });

  it.each([
    ["metrics.acc = 1", "=", 1],
    ["metrics.acc != 0", "!=", 0],
    ["metrics.acc > 0.9", ">", 0.9],
    ["metrics.acc >= -1", ">=", -1],
    ["metrics.acc < -2.5", "<", -2.5],
    ["metrics.acc <= 1e-3", "<=", 0.001],
    ["metrics.acc<.5", "<", 0.5],
    ["metrics.acc>-1E+2", ">", -100],
  ])("metric comparison %s", (filter, op, value) => {
    expect(parseFilter(filter)).toEqual([{ kind: "metric", key: "acc", op, value }]);
  });

  it.each([
    ["params.lr = '0.01'", "param", "lr", "=", "0.01"],
    ["params.opt != 'adam'", "param", "opt", "!=", "adam"],
    ["params.model LIKE '%bert%'", "param", "model", "LIKE", "%bert%"],
    ["tags.note ilike 'Hello%'", "tag", "note", "ILIKE", "Hello%"],
    ["tags.note = 'two words, v1.2'", "tag", "note", "=", "two words, v1.2"],
    [`tags.quote = 'say "hi"'`, "tag", "quote", "=", 'say "hi"'],
    ["params.a.b = 'x'", "param", "a.b", "=", "x"],
  ])("string comparison %s", (filter, kind, key, op, value) => {
    expect(parseFilter(filter)).toEqual([{ kind, key, op, value }]);
  });

  it.each([
    ["metrics.`my key` > 1", "metric", "my key", 1],
    ['metrics."my key" > 1', "metric", "my key", 1],
    ["params.`a.b c` = 'x'", "param", "a.b c", "x"],
    ['tags."mlflow.runName" = \'x\'', "tag", "mlflow.runName", "x"],
  ])("quoted key %s", (filter, kind, key, value) => {
    expect(parseFilter(filter)).toEqual([{ kind, key, op: expect.any(String), value }]);
  });

  it.each([
    ["metric", "metric"],
    ["metrics", "metric"],
    ["param", "param"],
    ["params", "param"],
    ["parameter", "param"],
    ["tag", "tag"],
    ["tags", "tag"],
  ])("prefix %s. means %s", (prefix, kind) => {
    const value = kind === "metric" ? 1 : "1";
    const filter = kind === "metric" ? `${prefix}.k = 1` : `${prefix}.k = '1'`;
    expect(parseFilter(filter)).toEqual([{ kind, key: "k", op: "=", value }]);
  });

  it.each(["attribute", "attributes", "attr", "run"])("prefix %s. means attribute", (prefix) => {
    expect(parseFilter(`${prefix}.status = 'FINISHED'`)).toEqual([{ kind: "attribute", key: "status", op: "=", value: "FINISHED" }]);
  });

  it.each([
    ["status = 'FINISHED'", "status", "=", "FINISHED"],
    ["attributes.run_name LIKE 'exp-%'", "run_name", "LIKE", "exp-%"],
    ["attributes.runName = 'r'", "run_name", "=", "r"],
    ["attributes.run_uuid = 'abc'", "run_id", "=", "abc"],
    ["attributes.start_time > 1700000000000", "start_time", ">", 1700000000000],
    ["attributes.end_time <= 5", "end_time", "<=", 5],
    ["attributes.created >= 10", "start_time", ">=", 10],
    ["Created < 10", "start_time", "<", 10],
  ])("attribute %s", (filter, key, op, value) => {
    expect(parseFilter(filter)).toEqual([{ kind: "attribute", key, op, value }]);
  });

  it.each([
    ["attributes.status IN ('FINISHED', 'FAILED')", "IN", ["FINISHED", "FAILED"]],
    ["attributes.status not in ('RUNNING')", "NOT IN", ["RUNNING"]],
    ["status NOT IN('KILLED','FAILED')", "NOT IN", ["KILLED", "FAILED"]],
  ])("%s", (filter, op, value) => {
    expect(parseFilter(filter)).toEqual([{ kind: "attribute", key: "status", op, value }]);
  });

  it("joins clauses with AND in any case", () => {
    expect(parseFilter("metrics.acc > 0.9 and params.lr = '0.01' AnD tags.t != 'x' AND status = 'FINISHED'")).toEqual([
      { kind: "metric", key: "acc", op: ">", value: 0.9 },
      { kind: "param", key: "lr", op: "=", value: "0.01" },
      { kind: "tag", key: "t", op: "!=", value: "x" },
      { kind: "attribute", key: "status", op: "=", value: "FINISHED" },
    ]);
  });

  it.each([
    ["metrics.a > 1 OR metrics.b > 2", /OR is not supported/],
    ["metrics.a > 1 or params.b = 'x'", /OR is not supported/],
    ["foo.a = 'x'", /Invalid entity type 'foo'.*metrics, params, tags and attributes/],
    ["attributes.color = 'red'", /Invalid attribute key 'color'.*Valid attributes are status, run_name/],
    ["color = 'red'", /Invalid attribute key 'color'/],
    ["metrics.acc > '0.9'", /metrics\.acc is compared with a number, not a string/],
    ["attributes.start_time > '5'", /attributes\.start_time is compared with a number/],
    ["params.lr = 0.01", /params\.lr is compared with a quoted string/],
    ["status = 1", /attributes\.status is compared with a quoted string/],
    ["metrics.acc LIKE '0.9%'", /Invalid comparator 'LIKE'.*metrics\.acc takes =, !=, >, >=, <, <=/],
    ["params.lr > '1'", /Invalid comparator '>'.*params\.lr takes =, !=, LIKE, ILIKE/],
    ["params.lr = '0.01", /unterminated quote/],
    ["metrics.`my key > 1", /unterminated backtick/],
    ["metrics.a > 1 AND", /nothing after the last AND/],
    ["metrics.a > 1 and ", /nothing after the last AND/],
    ["metrics.a >", /expected a value after '>'/],
    ["metrics.a > AND params.b = 'x'", /expected a value after '>'/],
    ["metrics.a", /expected a comparison after 'metrics\.a'/],
    ["AND metrics.a > 1", /expected an identifier/],
    ["metrics.a > 1 params.b = 'x'", /clauses must be joined by AND/],
    ["metrics.a IN ('1')", /IN is only supported on attributes\.status and attributes\.run_id/],
    ["params.a NOT IN ('1')", /IN is only supported on attributes\.status/],
    ["status IN 'FINISHED'", /expected '\(' after IN/],
    ["status IN ('FINISHED'", /missing '\)'/],
    ["status IN (FINISHED)", /IN lists take quoted strings/],
    ["metrics. > 1", /the key is missing/],
    ["metrics.a > 1 ; drop", /unexpected character ';'/],
  ])("rejects %s", (filter, message) => {
    expectInvalid(() => parseFilter(filter), message);
  });
});

describe("parseOrderBy", () => {
  it("returns nothing for null/undefined/empty", () => {
    expect(parseOrderBy(null)).toEqual([]);
    expect(parseOrderBy(undefined)).toEqual([]);
    expect(parseOrderBy([])).toEqual([]);
  });

  it.each([
    ["metrics.accuracy DESC", { kind: "metric", key: "accuracy", ascending: false }],
    ["params.lr", { kind: "param", key: "lr", ascending: true }],
    ["attributes.start_time ASC", { kind: "attribute", key: "start_time", ascending: true }],
    ["tags.team desc", { kind: "tag", key: "team", ascending: false }],
    ["metrics.loss asc", { kind: "metric", key: "loss", ascending: true }],
    ["metrics.`my key` DESC", { kind: "metric", key: "my key", ascending: false }],
    ['params."a b"', { kind: "param", key: "a b", ascending: true }],
    ["  start_time  Desc ", { kind: "attribute", key: "start_time", ascending: false }],
    ["created", { kind: "attribute", key: "start_time", ascending: true }],
  ])("%s", (clause, expected) => {
    expect(parseOrderBy([clause])).toEqual([expected]);
  });

  it("keeps several clauses in order", () => {
    expect(parseOrderBy(["metrics.acc DESC", "attributes.start_time"])).toEqual([
      { kind: "metric", key: "acc", ascending: false },
      { kind: "attribute", key: "start_time", ascending: true },
    ]);
  });

  it.each([
    ["", /Invalid order_by clause ''/],
    ["metrics.a b", /expected e\.g\. "metrics\.accuracy DESC"/],
    ["metrics.a > 1", /expected e\.g\./],
    ["metrics.a SIDEWAYS", /expected e\.g\./],
    ["foo.a", /Invalid entity type 'foo'/],
    ["attributes.color", /Invalid attribute key 'color'/],
    ["metrics.`a DESC", /unterminated backtick/],
  ])("rejects %j", (clause, message) => {
    expectInvalid(() => parseOrderBy([clause]), message);
  });
});

describe("page tokens", () => {
  it.each([0, 1, 100, 123_456_789])("round-trips offset %d", (offset) => {
    const token = encodePageToken(offset);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token)).toBe(offset);
  });

  it.each([null, undefined, ""])("treats %j as the first page", (token) => {
    expect(decodePageToken(token)).toBe(0);
  });

  const b64 = (s: string) => Buffer.from(s).toString("base64url");
  it.each([
    ["garbage", "garbage"],
    ["negative offset", b64('{"offset":-1}')],
    ["fractional offset", b64('{"offset":1.5}')],
    ["string offset", b64('{"offset":"3"}')],
    ["missing offset", b64("{}")],
    ["JSON null", b64("null")],
    ["unsafe integer", b64('{"offset":9007199254740993}')],
  ])("rejects %s", (_, token) => {
    expectInvalid(() => decodePageToken(token), /Invalid page_token/);
  });
});
