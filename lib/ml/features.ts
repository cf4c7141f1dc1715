// Turns a table of string cells into a numeric design matrix for the reference trainer.
// Fit and encode are separate so the statistics (means, categories) can be learnt on the training
// split alone and applied unchanged to the validation split — no leakage from validation rows.
// Cells are read the way dataset profiles read them (trimmed; "", NA, null, NaN… are missing).
import { normalizeField, parseDecimal, parseIsoDatetime } from "@/lib/datasets/profile";

export interface StringTable {
  header: string[];
  rows: string[][];
}

/** Above this many distinct values a string column is an identifier or free text, not a category. */
export const MAX_CATEGORIES = 20;

export type ColumnEncoding =
  | { name: string; kind: "numeric"; mean: number; std: number }
  /** `mean` (the share of true values) stands in for missing cells. */
  | { name: string; kind: "boolean"; mean: number }
  | { name: string; kind: "one-hot"; categories: string[] };

export interface DroppedColumn {
  name: string;
  reason: "empty" | "constant" | "datetime" | "high-cardinality";
}

export interface FeaturePipeline {
  target: string;
  /** Target values seen when fitting, sorted; a row's class is its index here. */
  classes: string[];
  columns: ColumnEncoding[];
  dropped: DroppedColumn[];
  featureNames: string[];
}

export interface EncodedTable {
  x: number[][];
  /** Class index of each row into the pipeline's classes. */
  y: number[];
}

export interface DesignMatrix extends EncodedTable {
  featureNames: string[];
  classes: string[];
  pipeline: FeaturePipeline;
}

const TRUE_WORDS = new Set(["true", "yes", "1"]);
const FALSE_WORDS = new Set(["false", "no", "0"]);

function booleanValue(value: string): 0 | 1 | null {
  const lower = value.toLowerCase();
  return TRUE_WORDS.has(lower) ? 1 : FALSE_WORDS.has(lower) ? 0 : null;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function targetIndex(table: StringTable, name: string): number {
  const index = table.header.indexOf(name);
  if (index === -1) throw new Error(`The target column "${name}" is not in the table. Columns: ${table.header.join(", ")}.`);
  return index;
}

/** Rows whose target cell is missing cannot be learnt from or scored. */
export function dropUnlabelled(table: StringTable, target: string): StringTable {
  const t = targetIndex(table, target);
  return { header: table.header, rows: table.rows.filter((row) => normalizeField(row[t] ?? "") !== null) };
}

function columnValues(table: StringTable, index: number): (string | null)[] {
  return table.rows.map((row) => normalizeField(row[index] ?? ""));
}

function numericEncoding(name: string, present: string[]): ColumnEncoding | DroppedColumn {
  const values = present.map(parseDecimal);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  // Population standard deviation, as scikit-learn's StandardScaler.
  const std = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
  return std > 0 ? { name, kind: "numeric", mean, std } : { name, reason: "constant" };
}

/** Decides how one column becomes features, from its cells in the rows being fitted. */
export function fitColumn(name: string, values: readonly (string | null)[]): ColumnEncoding | DroppedColumn {
  const present = values.filter((v): v is string => v !== null);
  if (present.length === 0) return { name, reason: "empty" };
  const distinct = [...new Set(present)].sort(byCodeUnit);
  const bools = present.map(booleanValue);
  if (bools.every((b) => b !== null)) {
    const mean = bools.reduce<number>((a, b) => a + b!, 0) / bools.length;
    return mean > 0 && mean < 1 ? { name, kind: "boolean", mean } : { name, reason: "constant" };
  }
  if (present.every((v) => !Number.isNaN(parseDecimal(v)))) return numericEncoding(name, present);
  if (present.every((v) => !Number.isNaN(parseIsoDatetime(v)))) return { name, reason: "datetime" };
  if (distinct.length > MAX_CATEGORIES) return { name, reason: "high-cardinality" };
  // One category and no missing cells would give a column of ones: no information.
  if (distinct.length === 1 && present.length === values.length) return { name, reason: "constant" };
  return { name, kind: "one-hot", categories: distinct };
}

function featureNamesOf(column: ColumnEncoding): string[] {
  return column.kind === "one-hot" ? column.categories.map((c) => `${column.name}=${c}`) : [column.name];
}

/** Learns column encodings and the target classes from the labelled rows of `table`. */
export function fitFeatures(table: StringTable, target: string): FeaturePipeline {
  const labelled = dropUnlabelled(table, target);
  const t = targetIndex(table, target);
  const classes = [...new Set(columnValues(labelled, t) as string[])].sort(byCodeUnit);
  const columns: ColumnEncoding[] = [];
  const dropped: DroppedColumn[] = [];
  table.header.forEach((name, i) => {
    if (i === t) return;
    const fitted = fitColumn(name, columnValues(labelled, i));
    if ("kind" in fitted) columns.push(fitted);
    else dropped.push(fitted);
  });
  return { target, classes, columns, dropped, featureNames: columns.flatMap(featureNamesOf) };
}

/** Cells that do not fit the learnt encoding (unparsable numbers, unseen categories) count as missing. */
function encodeCell(column: ColumnEncoding, value: string | null, out: number[]): void {
  if (column.kind === "numeric") {
    const v = value === null ? NaN : parseDecimal(value);
    out.push(Number.isNaN(v) ? 0 : (v - column.mean) / column.std);
  } else if (column.kind === "boolean") {
    out.push((value === null ? null : booleanValue(value)) ?? column.mean);
  } else {
    for (const category of column.categories) out.push(value === category ? 1 : 0);
  }
}

/**
 * Applies a fitted pipeline; unlabelled rows are dropped, an unseen target value is an error, and
 * a feature column the table lacks is read as missing throughout.
 */
export function encodeTable(pipeline: FeaturePipeline, table: StringTable): EncodedTable {
  const labelled = dropUnlabelled(table, pipeline.target);
  const t = targetIndex(labelled, pipeline.target);
  const indexes = pipeline.columns.map((c) => table.header.indexOf(c.name));
  const classIndex = new Map(pipeline.classes.map((c, i) => [c, i]));
  const x: number[][] = [];
  const y: number[] = [];
  for (const row of labelled.rows) {
    const label = normalizeField(row[t] ?? "")!;
    const k = classIndex.get(label);
    if (k === undefined) throw new Error(`The target value "${label}" was not among the classes seen in training: ${pipeline.classes.join(", ")}.`);
    const features: number[] = [];
    pipeline.columns.forEach((column, c) => {
      const i = indexes[c]!;
      encodeCell(column, i === -1 ? null : normalizeField(row[i] ?? ""), features);
    });
    x.push(features);
    y.push(k);
  }
  return { x, y };
}

/** Fit and encode on the same rows. */
export function buildFeatures(table: StringTable, target: string): DesignMatrix {
  const pipeline = fitFeatures(table, target);
  return { ...encodeTable(pipeline, table), featureNames: pipeline.featureNames, classes: pipeline.classes, pipeline };
}
