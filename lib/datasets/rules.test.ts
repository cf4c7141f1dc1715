import { describe, expect, it } from "vitest";
import { describeRule, evaluateReferenceRules, profileCsv, ruleSpecSchema, worstStatus, type ColumnSchema, type DatasetRule, type RuleResult, type RuleSpecInput } from "./csv-profile";

const rule = (id: string, spec: RuleSpecInput): DatasetRule => ({ ...ruleSpecSchema.parse(spec), id });

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

async function validate(csv: string, rules: DatasetRule[], previousColumns: ColumnSchema[] | null = null) {
  return (await profileCsv(once(csv), { maxBytes: 1e9, rules, previousColumns })).validation;
}

describe("ruleSpecSchema", () => {
  it("accepts every kind, trims column names and defaults severity to fail", () => {
    const specs: RuleSpecInput[] = [
      { kind: "column_present", column: "  id " },
      { kind: "column_type", column: "age", type: "numeric", severity: "warn" },
      { kind: "max_null_fraction", column: "age", max: 0 },
      { kind: "max_null_fraction", column: "age", max: 1 },
      { kind: "numeric_range", column: "amount", min: 0 },
      { kind: "numeric_range", column: "amount", max: -1.5 },
      { kind: "numeric_range", column: "amount", min: 3, max: 3 },
      { kind: "allowed_values", column: "country", values: [" US", "DE "] },
      { kind: "unique", column: "x".repeat(200) },
      { kind: "row_count", min: 0 },
      { kind: "row_count", max: 10, min: 10 },
      { kind: "schema_unchanged" },
    ];
    const parsed = specs.map((s) => ruleSpecSchema.parse(s));
    expect(parsed[0]).toEqual({ kind: "column_present", column: "id", severity: "fail" });
    expect(parsed[1]!.severity).toBe("warn");
    expect(parsed[7]).toMatchObject({ values: ["US", "DE"] });
    expect(parsed[11]).toEqual({ kind: "schema_unchanged", severity: "fail" });
  });

  it.each<[string, unknown]>([
    ["an unknown kind", { kind: "regex", column: "a" }],
    ["no kind", { column: "a" }],
    ["an empty column", { kind: "unique", column: "   " }],
    ["a column over 200 characters", { kind: "unique", column: "x".repeat(201) }],
    ["a missing column", { kind: "column_present" }],
    ["a bad type", { kind: "column_type", column: "a", type: "integer" }],
    ["a bad severity", { kind: "unique", column: "a", severity: "error" }],
    ["a fraction above 1", { kind: "max_null_fraction", column: "a", max: 1.01 }],
    ["a negative fraction", { kind: "max_null_fraction", column: "a", max: -0.1 }],
    ["a range without bounds", { kind: "numeric_range", column: "a" }],
    ["a range with min > max", { kind: "numeric_range", column: "a", min: 2, max: 1 }],
    ["a range with an infinite bound", { kind: "numeric_range", column: "a", max: Infinity }],
    ["a range with a string bound", { kind: "numeric_range", column: "a", min: "1" }],
    ["no allowed values", { kind: "allowed_values", column: "a", values: [] }],
    ["an empty allowed value", { kind: "allowed_values", column: "a", values: ["x", " "] }],
    ["1,001 allowed values", { kind: "allowed_values", column: "a", values: Array.from({ length: 1001 }, (_, i) => `v${i}`) }],
    ["a row count without bounds", { kind: "row_count" }],
    ["a fractional row count", { kind: "row_count", min: 1.5 }],
    ["a negative row count", { kind: "row_count", max: -1 }],
    ["a row count with min > max", { kind: "row_count", min: 5, max: 4 }],
  ])("rejects %s", (_, spec) => {
    expect(ruleSpecSchema.safeParse(spec).success).toBe(false);
  });

  it("explains range errors on the right field", () => {
    const error = ruleSpecSchema.safeParse({ kind: "numeric_range", column: "a", min: 2, max: 1 }).error!;
    expect(error.issues[0]).toMatchObject({ path: ["max"], message: "The minimum is larger than the maximum." });
  });
});

describe("describeRule", () => {
  it.each<[RuleSpecInput, string]>([
    [{ kind: "numeric_range", column: "amount", min: 0, max: 1000 }, "amount between 0 and 1,000"],
    [{ kind: "numeric_range", column: "amount", min: 0.5 }, "amount ≥ 0.5"],
    [{ kind: "numeric_range", column: "amount", max: -2 }, "amount ≤ -2"],
    [{ kind: "allowed_values", column: "country", values: ["US", "DE", "FR", "GB", "IN"] }, "country is one of US, DE, FR (+2 more)"],
    [{ kind: "allowed_values", column: "country", values: ["US", "DE"] }, "country is one of US, DE"],
    [{ kind: "column_present", column: "id" }, "id is present"],
    [{ kind: "column_type", column: "age", type: "numeric" }, "age is numeric"],
    [{ kind: "max_null_fraction", column: "age", max: 0.05 }, "age is at most 5% null"],
    [{ kind: "unique", column: "id" }, "id is unique"],
    [{ kind: "row_count", min: 1000, max: 5000 }, "between 1,000 and 5,000 rows"],
    [{ kind: "row_count", min: 1 }, "at least 1 row"],
    [{ kind: "row_count", max: 10 }, "at most 10 rows"],
    [{ kind: "schema_unchanged" }, "same columns and types as the previous version"],
  ])("%j → %s", (spec, text) => {
    expect(describeRule(ruleSpecSchema.parse(spec))).toBe(text);
  });
});

describe("rule evaluation while profiling", () => {
  it("reports a failing warn-severity rule as warn, with at most 5 examples and the whole row", async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `${i + 1},${i < 8 ? "x" : "US"}`);
    const [result] = await validate(["id,country", ...rows].join("\n"), [rule("c", { kind: "allowed_values", column: "country", values: ["US"], severity: "warn" })]);
    expect(result).toMatchObject({ ruleId: "c", kind: "allowed_values", column: "country", severity: "warn", status: "warn", offendingCount: 8 });
    expect(result!.message).toBe("8 of 12 values (66.7%) are not one of US.");
    expect(result!.examples).toEqual([1, 2, 3, 4, 5].map((row) => ({ row, value: "x", values: { id: String(row), country: "x" } })));
  });

  it("cuts example values to 200 characters and rows to 30 columns", async () => {
    const header = Array.from({ length: 35 }, (_, i) => `c${i}`);
    const long = "é".repeat(250);
    const row = header.map((_, i) => (i === 0 ? "-1" : i === 1 ? long : String(i)));
    const [result] = await validate([header.join(","), row.join(",")].join("\n"), [rule("r", { kind: "numeric_range", column: "c0", min: 0 })]);
    const example = result!.examples[0]!;
    expect(Object.keys(example.values)).toEqual(header.slice(0, 30));
    expect(example.values.c1).toBe("é".repeat(200));
    expect(example.value).toBe("-1");
    expect(result!.message).toBe("1 of 1 value (100.0%) are below 0.");
  });

  it("counts numeric_range offenders: non-numbers and values outside inclusive bounds, ignoring nulls", async () => {
    const csv = "v\n0\n10\n10.5\n-0.1\nabc\nNA\n\n1e1\n";
    const [both, max, min] = await validate(csv, [
      rule("both", { kind: "numeric_range", column: "v", min: 0, max: 10 }),
      rule("max", { kind: "numeric_range", column: "v", max: 100 }),
      rule("min", { kind: "numeric_range", column: "v", min: -1 }),
    ]);
    expect(both).toMatchObject({ status: "fail", offendingCount: 3 });
    expect(both!.examples.map((e) => e.value)).toEqual(["10.5", "-0.1", "abc"]);
    expect(both!.message).toBe("3 of 6 values (50.0%) are outside 0 – 10 or not numbers (1 not numbers).");
    expect(max).toMatchObject({ offendingCount: 1, message: "1 of 6 values (16.7%) are not numbers." });
    expect(min).toMatchObject({ offendingCount: 1 });
    const [ok] = await validate("v\n1\n2\n", [rule("ok", { kind: "numeric_range", column: "v", min: 0, max: 10 })]);
    expect(ok).toMatchObject({ status: "pass", offendingCount: 0, message: "All 2 values are within 0 – 10.", examples: [] });
  });

  it("counts repeated values for unique (nulls never repeat; spellings are compared as text)", async () => {
    const csv = "id\n1\n2\n1\nNA\n \n01\n1.0\n-0\n0\n2\n1\n12345678901234567\n12345678901234567\n";
    const [result] = await validate(csv, [rule("u", { kind: "unique", column: "id" })]);
    expect(result).toMatchObject({ status: "fail", offendingCount: 4 });
    expect(result!.examples.map((e) => [e.row, e.value])).toEqual([
      [3, "1"],
      [10, "2"],
      [11, "1"],
      [13, "12345678901234567"],
    ]);
    expect(result!.message).toBe("4 of 11 values (36.4%) repeat an earlier value.");
  });

  it("fails max_null_fraction only above the limit; examples are null rows", async () => {
    const csv = "a,b\n1,x\n,x\n3,x\nNA,x\n";
    const [atLimit, over] = await validate(csv, [
      rule("at", { kind: "max_null_fraction", column: "a", max: 0.5 }),
      rule("over", { kind: "max_null_fraction", column: "a", max: 0.49 }),
    ]);
    expect(atLimit).toMatchObject({ status: "pass", offendingCount: 2, examples: [] });
    expect(over).toMatchObject({ status: "fail", offendingCount: 2 });
    expect(over!.message).toBe("2 of 4 values (50.0%) are null; at most 49% allowed.");
    expect(over!.examples).toEqual([
      { row: 2, value: null, values: { a: null, b: "x" } },
      { row: 4, value: null, values: { a: null, b: "x" } },
    ]);
  });

  it("fails rules on missing columns, checks types, row counts and the schema", async () => {
    const results = await validate(
      "id,name\n1,a\n2,b\n",
      [
        rule("missing", { kind: "unique", column: "email" }),
        rule("present", { kind: "column_present", column: "id" }),
        rule("type", { kind: "column_type", column: "name", type: "numeric", severity: "warn" }),
        rule("rows", { kind: "row_count", min: 3 }),
        rule("rows-ok", { kind: "row_count", max: 2 }),
        rule("schema", { kind: "schema_unchanged" }),
      ],
      [
        { name: "id", type: "text" },
        { name: "old", type: "numeric" },
      ],
    );
    expect(results.map((r) => [r.ruleId, r.status, r.offendingCount, r.message])).toEqual([
      ["missing", "fail", null, 'Column "email" is missing.'],
      ["present", "pass", null, 'Column "id" is present.'],
      ["type", "warn", null, "name is categorical, expected numeric."],
      ["rows", "fail", null, "2 rows; expected at least 3."],
      ["rows-ok", "pass", null, "2 rows (expected at most 2)."],
      ["schema", "fail", null, "Added: name. Removed: old. Type changed: id (text → numeric)."],
    ]);
    const [first] = await validate("id\n1\n", [rule("schema", { kind: "schema_unchanged" })]);
    expect(first).toMatchObject({ status: "pass", message: "No previous version to compare with." });
    const [same] = await validate("b,a\n1,x\n", [rule("schema", { kind: "schema_unchanged" })], [
      { name: "a", type: "categorical" },
      { name: "b", type: "numeric" },
    ]);
    expect(same).toMatchObject({ status: "pass", message: "Same columns and types as the previous version." });
  });
});

describe("evaluateReferenceRules", () => {
  const rules = [
    rule("present", { kind: "column_present", column: "id" }),
    rule("absent", { kind: "column_present", column: "email", severity: "warn" }),
    rule("type", { kind: "column_type", column: "id", type: "numeric" }),
    rule("range", { kind: "numeric_range", column: "id", min: 0 }),
    rule("range-missing", { kind: "numeric_range", column: "email", min: 0 }),
    rule("rows", { kind: "row_count", min: 10 }),
    rule("schema", { kind: "schema_unchanged" }),
  ];

  it("evaluates what the metadata can answer and skips rules that need the values", () => {
    const results = evaluateReferenceRules(rules, { rowCount: 5, columns: [{ name: "id", type: "numeric" }] }, [{ name: "id", type: "text" }]);
    expect(results.map((r) => [r.ruleId, r.status])).toEqual([
      ["present", "pass"],
      ["absent", "warn"],
      ["type", "pass"],
      ["range", "skipped"],
      ["range-missing", "fail"],
      ["rows", "fail"],
      ["schema", "fail"],
    ]);
    expect(results[3]!.message).toMatch(/registered by reference/);
    expect(results[6]!.message).toBe("Type changed: id (text → numeric).");
  });

  it("skips everything it cannot know", () => {
    const results = evaluateReferenceRules(rules, { rowCount: null, columns: null }, null);
    expect(results.every((r) => r.status === "skipped" && r.offendingCount === null && r.examples.length === 0)).toBe(true);
    expect(worstStatus(results)).toBe("none");
  });
});

describe("worstStatus", () => {
  const r = (status: RuleResult["status"]): RuleResult => ({ ruleId: status, kind: "unique", column: "a", severity: "fail", status, offendingCount: null, message: "", examples: [] });
  it.each<[RuleResult["status"][], string]>([
    [[], "none"],
    [["skipped", "skipped"], "none"],
    [["skipped", "pass"], "pass"],
    [["pass", "warn", "pass"], "warn"],
    [["warn", "fail", "pass"], "fail"],
    [["fail", "skipped"], "fail"],
  ])("%j → %s", (statuses, worst) => {
    expect(worstStatus(statuses.map(r))).toBe(worst);
  });
});
