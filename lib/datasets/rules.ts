// Data-validation rules for dataset versions: specs (zod), descriptions, and evaluation — streamed
// row by row alongside profiling, or from known metadata only for versions registered by URI.
import { z } from "zod";
import { COLUMN_TYPES, detach, parseDecimal, type ColumnSchema } from "./profile";

const columnName = z
  .string()
  .trim()
  .min(1, "Enter a column name.")
  .max(200, "Column names are at most 200 characters.");
const severity = z.enum(["fail", "warn"]).default("fail");

export const ruleSpecSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("column_present"), column: columnName, severity }),
  z.object({ kind: z.literal("column_type"), column: columnName, type: z.enum(COLUMN_TYPES), severity }),
  z.object({
    kind: z.literal("max_null_fraction"),
    column: columnName,
    max: z.number().min(0, "The fraction is between 0 and 1.").max(1, "The fraction is between 0 and 1."),
    severity,
  }),
  z
    .object({ kind: z.literal("numeric_range"), column: columnName, min: z.number().optional(), max: z.number().optional(), severity })
    .refine((r) => r.min !== undefined || r.max !== undefined, { message: "Give a minimum, a maximum or both.", path: ["min"] })
    .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
      message: "The minimum is larger than the maximum.",
      path: ["max"],
    }),
  z.object({
    kind: z.literal("allowed_values"),
    column: columnName,
    values: z
      .array(z.string().trim().min(1, "Allowed values cannot be empty.").max(1000, "Allowed values are at most 1,000 characters."))
      .min(1, "List at least one allowed value.")
      .max(1000, "List at most 1,000 allowed values."),
    severity,
  }),
  z.object({ kind: z.literal("unique"), column: columnName, severity }),
  z
    .object({
      kind: z.literal("row_count"),
      min: z.number().int().min(0).optional(),
      max: z.number().int().min(0).optional(),
      severity,
    })
    .refine((r) => r.min !== undefined || r.max !== undefined, { message: "Give a minimum, a maximum or both.", path: ["min"] })
    .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
      message: "The minimum is larger than the maximum.",
      path: ["max"],
    }),
  z.object({ kind: z.literal("schema_unchanged"), severity }),
]);

export type RuleSpec = z.infer<typeof ruleSpecSchema>;
export type RuleSpecInput = z.input<typeof ruleSpecSchema>;
export type RuleKind = RuleSpec["kind"];
export type DatasetRule = RuleSpec & { id: string };

export interface RuleExample {
  /** 1-based data-row number. */
  row: number;
  value: string | null;
  /** The whole row (first 30 columns, values cut to 200 characters). */
  values: Record<string, string | null>;
}
export type RuleStatus = "pass" | "warn" | "fail" | "skipped";
export interface RuleResult {
  ruleId: string;
  kind: RuleKind;
  column: string | null;
  severity: "fail" | "warn";
  status: RuleStatus;
  offendingCount: number | null;
  message: string;
  examples: RuleExample[];
}

const MAX_EXAMPLES = 5;
const EXAMPLE_COLUMNS = 30;
const EXAMPLE_CHARS = 200;
const LISTED_VALUES = 3;

const numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 6 });
function fmt(x: number): string {
  return numberFormat.format(x);
}

function percent(part: number, whole: number): string {
  if (whole === 0) return "0%";
  const p = (100 * part) / whole;
  if (p > 0 && p < 0.1) return "<0.1%";
  return `${p.toFixed(1)}%`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${fmt(n)} ${n === 1 ? one : many}`;
}

function valueList(values: readonly string[]): string {
  const shown = values.slice(0, LISTED_VALUES).join(", ");
  return values.length > LISTED_VALUES ? `${shown} (+${fmt(values.length - LISTED_VALUES)} more)` : shown;
}

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${fmt(min)} – ${fmt(max)}`;
  return min !== undefined ? `at least ${fmt(min)}` : `at most ${fmt(max!)}`;
}

/** A one-line human description, e.g. "amount between 0 and 1,000". */
export function describeRule(rule: RuleSpec): string {
  switch (rule.kind) {
    case "column_present":
      return `${rule.column} is present`;
    case "column_type":
      return `${rule.column} is ${rule.type}`;
    case "max_null_fraction":
      return `${rule.column} is at most ${fmt(rule.max * 100)}% null`;
    case "numeric_range":
      if (rule.min !== undefined && rule.max !== undefined) return `${rule.column} between ${fmt(rule.min)} and ${fmt(rule.max)}`;
      return rule.min !== undefined ? `${rule.column} ≥ ${fmt(rule.min)}` : `${rule.column} ≤ ${fmt(rule.max!)}`;
    case "allowed_values":
      return `${rule.column} is one of ${valueList(rule.values)}`;
    case "unique":
      return `${rule.column} is unique`;
    case "row_count":
      if (rule.min !== undefined && rule.max !== undefined) return `between ${fmt(rule.min)} and ${fmt(rule.max)} rows`;
      return rule.min !== undefined ? `at least ${plural(rule.min, "row")}` : `at most ${plural(rule.max!, "row")}`;
    case "schema_unchanged":
      return "same columns and types as the previous version";
  }
}

function ruleColumn(rule: RuleSpec): string | null {
  return "column" in rule ? rule.column : null;
}

function result(rule: DatasetRule, violated: boolean, offendingCount: number | null, message: string, examples: RuleExample[] = []): RuleResult {
  return {
    ruleId: rule.id,
    kind: rule.kind,
    column: ruleColumn(rule),
    severity: rule.severity,
    status: violated ? rule.severity : "pass",
    offendingCount,
    message,
    examples,
  };
}

function skipped(rule: DatasetRule, message: string): RuleResult {
  return { ruleId: rule.id, kind: rule.kind, column: ruleColumn(rule), severity: rule.severity, status: "skipped", offendingCount: null, message, examples: [] };
}

function missingColumn(rule: DatasetRule, column: string): RuleResult {
  return result(rule, true, null, `Column "${column}" is missing.`);
}

function rowCountResult(rule: Extract<DatasetRule, { kind: "row_count" }>, rowCount: number): RuleResult {
  const tooFew = rule.min !== undefined && rowCount < rule.min;
  const tooMany = rule.max !== undefined && rowCount > rule.max;
  const expected = rule.min !== undefined && rule.max !== undefined ? `between ${fmt(rule.min)} and ${fmt(rule.max)}` : rangeText(rule.min, rule.max);
  const message = tooFew || tooMany ? `${plural(rowCount, "row")}; expected ${expected}.` : `${plural(rowCount, "row")} (expected ${expected}).`;
  return result(rule, tooFew || tooMany, null, message);
}

function schemaResult(rule: DatasetRule, columns: readonly ColumnSchema[], previous: readonly ColumnSchema[] | null): RuleResult {
  if (previous === null) return result(rule, false, null, "No previous version to compare with.");
  const before = new Map(previous.map((c) => [c.name, c.type]));
  const after = new Map(columns.map((c) => [c.name, c.type]));
  const added = columns.filter((c) => !before.has(c.name)).map((c) => c.name);
  const removed = previous.filter((c) => !after.has(c.name)).map((c) => c.name);
  const retyped = columns.filter((c) => before.has(c.name) && before.get(c.name) !== c.type).map((c) => `${c.name} (${before.get(c.name)} → ${c.type})`);
  const parts: string[] = [];
  if (added.length > 0) parts.push(`Added: ${added.join(", ")}.`);
  if (removed.length > 0) parts.push(`Removed: ${removed.join(", ")}.`);
  if (retyped.length > 0) parts.push(`Type changed: ${retyped.join(", ")}.`);
  const changed = parts.length > 0;
  return result(rule, changed, null, changed ? parts.join(" ") : "Same columns and types as the previous version.");
}

/** Rules that need only the column list / row count. Returns undefined for rules that need the values. */
function metadataResult(
  rule: DatasetRule,
  columns: readonly ColumnSchema[] | null,
  rowCount: number | null,
  previous: readonly ColumnSchema[] | null,
): RuleResult | undefined {
  switch (rule.kind) {
    case "row_count":
      return rowCount === null ? skipped(rule, "The row count of this version is not known.") : rowCountResult(rule, rowCount);
    case "schema_unchanged":
      return columns === null ? skipped(rule, "The columns of this version are not known.") : schemaResult(rule, columns, previous);
    default:
      break;
  }
  if (columns === null) return skipped(rule, "The columns of this version are not known.");
  const column = columns.find((c) => c.name === rule.column);
  if (column === undefined) return missingColumn(rule, rule.column);
  if (rule.kind === "column_present") return result(rule, false, null, `Column "${rule.column}" is present.`);
  if (rule.kind === "column_type") {
    const ok = column.type === rule.type;
    return result(rule, !ok, null, ok ? `${rule.column} is ${rule.type}.` : `${rule.column} is ${column.type}, expected ${rule.type}.`);
  }
  return undefined;
}

/**
 * For versions registered by URI (no data read): metadata rules are evaluated from what is known;
 * rules about values are skipped (or fail when the column is known to be missing).
 */
export function evaluateReferenceRules(
  rules: readonly DatasetRule[],
  known: { rowCount: number | null; columns: ColumnSchema[] | null },
  previousColumns: ColumnSchema[] | null,
): RuleResult[] {
  return rules.map(
    (rule) =>
      metadataResult(rule, known.columns, known.rowCount, previousColumns) ??
      skipped(rule, "Needs the data: this version is registered by reference, so its values were not read."),
  );
}

/** The most severe outcome; "none" when there are no results or all were skipped. */
export function worstStatus(results: readonly RuleResult[]): "pass" | "warn" | "fail" | "none" {
  let worst: "pass" | "warn" | "fail" | "none" = "none";
  for (const r of results) {
    if (r.status === "fail") return "fail";
    if (r.status === "warn") worst = "warn";
    else if (r.status === "pass" && worst === "none") worst = "pass";
  }
  return worst;
}

type ValueRule = Extract<DatasetRule, { kind: "max_null_fraction" | "numeric_range" | "allowed_values" | "unique" }>;

/** Streaming state of one rule that looks at a column's values. */
interface ValueCheck {
  rule: ValueRule;
  column: number;
  nonNull: number;
  offending: number;
  notNumbers: number;
  examples: RuleExample[];
  allowed: Set<string> | null;
  seen: Set<string | number> | null;
}

/**
 * Set key for the unique rule. Canonical integers (how ids are usually written) become numbers:
 * small ones are stored inline by V8, so a 1M-id column costs a hash table instead of 1M strings.
 * Only canonical spellings map to numbers, so distinct strings still get distinct keys.
 */
function uniqueKey(v: string): string | number {
  const n = v.length;
  if (n <= 15) {
    let i = v.charCodeAt(0) === 45 ? 1 : 0;
    const first = v.charCodeAt(i);
    if (i < n && first >= 49 && first <= 57) {
      let x = 0;
      for (; i < n; i++) {
        const c = v.charCodeAt(i) - 48;
        if (c < 0 || c > 9) return detach(v);
        x = x * 10 + c;
      }
      return v.charCodeAt(0) === 45 ? -x : x;
    }
    if (v === "0") return 0;
  }
  return detach(v);
}

function truncate(v: string): string {
  if (v.length <= EXAMPLE_CHARS) return detach(v);
  const cut = v.charCodeAt(EXAMPLE_CHARS - 1) >= 0xd800 && v.charCodeAt(EXAMPLE_CHARS - 1) <= 0xdbff ? EXAMPLE_CHARS - 1 : EXAMPLE_CHARS;
  return detach(v.slice(0, cut));
}

/**
 * Evaluates rules during the profiling pass: checkRow() for every data row (values already
 * normalized), then results() once the column types are known.
 */
export class RuleChecker {
  private readonly checks: ValueCheck[] = [];
  private readonly byRule = new Map<DatasetRule, ValueCheck>();

  constructor(
    private readonly rules: readonly DatasetRule[],
    private readonly header: readonly string[],
  ) {
    for (const rule of rules) {
      if (rule.kind !== "max_null_fraction" && rule.kind !== "numeric_range" && rule.kind !== "allowed_values" && rule.kind !== "unique") continue;
      const column = header.indexOf(rule.column);
      if (column === -1) continue;
      const check: ValueCheck = {
        rule,
        column,
        nonNull: 0,
        offending: 0,
        notNumbers: 0,
        examples: [],
        allowed: rule.kind === "allowed_values" ? new Set(rule.values) : null,
        seen: rule.kind === "unique" ? new Set() : null,
      };
      this.checks.push(check);
      this.byRule.set(rule, check);
    }
  }

  checkRow(values: readonly (string | null)[], rowIndex: number): void {
    const checks = this.checks;
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i]!;
      const v = values[check.column] ?? null;
      const rule = check.rule;
      if (v === null) {
        if (rule.kind === "max_null_fraction") this.offend(check, values, rowIndex, v);
        continue;
      }
      check.nonNull++;
      switch (rule.kind) {
        case "numeric_range": {
          const x = parseDecimal(v);
          if (x !== x) {
            check.notNumbers++;
            this.offend(check, values, rowIndex, v);
          } else if ((rule.min !== undefined && x < rule.min) || (rule.max !== undefined && x > rule.max)) {
            this.offend(check, values, rowIndex, v);
          }
          break;
        }
        case "allowed_values":
          if (!check.allowed!.has(v)) this.offend(check, values, rowIndex, v);
          break;
        case "unique": {
          const seen = check.seen!;
          const size = seen.size;
          seen.add(uniqueKey(v));
          if (seen.size === size) this.offend(check, values, rowIndex, v);
          break;
        }
        default:
          break;
      }
    }
  }

  private offend(check: ValueCheck, values: readonly (string | null)[], rowIndex: number, v: string | null): void {
    check.offending++;
    if (check.examples.length >= MAX_EXAMPLES) return;
    const row: Record<string, string | null> = {};
    const n = Math.min(this.header.length, EXAMPLE_COLUMNS);
    for (let c = 0; c < n; c++) {
      const cell = values[c] ?? null;
      row[this.header[c]!] = cell === null ? null : truncate(cell);
    }
    check.examples.push({ row: rowIndex, value: v === null ? null : truncate(v), values: row });
  }

  results(rowCount: number, columns: readonly ColumnSchema[], previousColumns: readonly ColumnSchema[] | null): RuleResult[] {
    return this.rules.map((rule) => metadataResult(rule, columns, rowCount, previousColumns) ?? this.valueResult(rule as ValueRule, rowCount));
  }

  private valueResult(rule: ValueRule, rowCount: number): RuleResult {
    const check = this.byRule.get(rule)!;
    check.seen = null; // the unique rule's set can be large, and results() ends the pass
    const { offending, nonNull, examples } = check;
    const of = `${fmt(offending)} of ${plural(nonNull, "value")} (${percent(offending, nonNull)})`;
    switch (rule.kind) {
      case "max_null_fraction": {
        const violated = rowCount > 0 && offending / rowCount > rule.max;
        const limit = `at most ${fmt(rule.max * 100)}% allowed`;
        const message = `${fmt(offending)} of ${plural(rowCount, "value")} (${percent(offending, rowCount)}) are null; ${limit}.`;
        return result(rule, violated, offending, message, violated ? examples : []);
      }
      case "numeric_range": {
        const range = rangeText(rule.min, rule.max);
        const where = rule.min !== undefined && rule.max !== undefined ? `outside ${range}` : rule.min !== undefined ? `below ${fmt(rule.min)}` : `above ${fmt(rule.max!)}`;
        if (offending === 0) return result(rule, false, 0, nonNull === 0 ? "No values to check." : `All ${plural(nonNull, "value")} are ${rule.min !== undefined && rule.max !== undefined ? "within " : ""}${range}.`);
        const numbers = offending - check.notNumbers;
        let message: string;
        if (check.notNumbers === 0) message = `${of} are ${where}.`;
        else if (numbers === 0) message = `${of} are not numbers.`;
        else message = `${of} are ${where} or not numbers (${fmt(check.notNumbers)} not numbers).`;
        return result(rule, true, offending, message, examples);
      }
      case "allowed_values":
        if (offending === 0) return result(rule, false, 0, nonNull === 0 ? "No values to check." : `All ${plural(nonNull, "value")} are allowed.`);
        return result(rule, true, offending, `${of} are not one of ${valueList(rule.values)}.`, examples);
      case "unique":
        if (offending === 0) return result(rule, false, 0, nonNull === 0 ? "No values to check." : `All ${plural(nonNull, "value")} are unique.`);
        return result(rule, true, offending, `${of} repeat an earlier value.`, examples);
    }
  }
}
