/**
 * Streaming CSV profiling and data validation for dataset versions: one pass over the uploaded
 * bytes yields the hash, size, schema, per-column profile, a row sample and rule results.
 * Pure (node:crypto and async iterables only), so it runs in route handlers, jobs and tests alike.
 *
 * Definitions (lib/datasets/fixtures/compute_expected.py implements them independently):
 *
 * - Bytes: sha256 (hex) and size are over the raw bytes. The text must be UTF-8; a leading BOM is
 *   hashed but not parsed.
 * - CSV (RFC 4180): comma separator; `"` quotes a field when it is the field's first character, `""`
 *   inside is a quote; quoted fields may hold commas and newlines. Records end at LF (a CRLF's CR is
 *   trimmed away with the field's whitespace; a lone CR is not a line break). A newline at EOF adds no
 *   record; lines with zero characters are skipped. The first record is the header: names are
 *   trimmed, non-empty and unique (case-sensitive). Every other record must have as many fields.
 * - Values: each field is trimmed (JavaScript String.prototype.trim whitespace). It is null when then
 *   empty or exactly one of NA, N/A, null, NULL, None, NaN, nan. All statistics, rules and the sample
 *   use trimmed values. A 1-based row number counts data rows only (the header is not a row).
 * - Type of a column, over its non-null values (a column without any → text):
 *   boolean   all are true/false in any letter case;
 *   numeric   else all match `[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?` (ASCII digits) and are finite;
 *   datetime  else all are `YYYY-MM-DD` optionally followed by `T` or a space, `HH:MM`, optional
 *             `:SS` with optional `.fraction`, then optional `Z` or `±HH:MM`; a real calendar date,
 *             year 0001–9999, hour ≤ 23, minute and second ≤ 59; no offset means UTC;
 *   categorical else when distinct ≤ min(1000, max(20, 0.5 × non-null count));
 *   text      otherwise (also when there are more than 10,000 distinct values).
 * - count = non-null values; nullCount = null values; distinctCount = exact number of distinct
 *   values, or null above 10,000 (then counting continues only for the 10,000 values already seen,
 *   and pauses while the column still looks numeric or datetime: those types have no top values).
 *   Boolean columns count lower-cased values ("true"/"false").
 * - Top values (categorical, boolean, text): up to 20 by count descending, then value ascending
 *   (UTF-16 code unit order).
 * - Numeric: min, max, mean, sample std (ddof 1; null below 2 values); quantiles 1/5/25/50/75/95/99
 *   by linear interpolation (numpy.quantile default, R type 7); histogram = numpy.histogram(bins=20)
 *   (21 equal-width edges from min to max, last bin closed; a constant v spans v−0.5…v+0.5). Exact
 *   while at most 24M numeric values (all columns together) fit in memory; beyond that, quantiles and
 *   histogram come from the row sample (counts scaled to the column's count) and are flagged
 *   approximate; min, max, mean and std stay exact.
 * - Datetime: min/max by instant (compared as double milliseconds, so to ~0.25 µs for current
 *   dates); reported as the original (trimmed) strings, first occurrence on ties.
 * - Text: value lengths in Unicode code points (min, max, mean).
 * - Sample: reservoir sampling (Algorithm R) of data rows with mulberry32(seed); row i (1-based)
 *   beyond the first k replaces slot ⌊random() × i⌋ when that is < k. Returned in file order.
 *   k = sampleSize, lowered for very wide files to keep at most 4,000,000 cells. When there are at
 *   most k rows, all rows are the sample.
 * - Limits: at most 10,000 columns; more bytes than maxBytes → error 413 as soon as they arrive.
 * - Rules: see ./rules.ts. Counts: max_null_fraction → nulls (fails when nulls / rows > max);
 *   numeric_range → non-null values that are not numbers (as above) or are outside the inclusive
 *   bounds; allowed_values → non-null values not in the list (exact match); unique → rows whose
 *   non-null value appeared in an earlier row. Examples: the first 5 offending rows.
 */
import { createHash } from "node:crypto";
import { formatBytes } from "@/lib/format";
import { CsvError, CsvParser, firstInvalidUtf8 } from "./csv";
import {
  ColumnStats,
  DEFAULT_EXACT_VALUE_BUDGET,
  detach,
  normalizeField,
  ValueBudget,
  type ColumnSchema,
  type DatasetProfile,
} from "./profile";
import { RuleChecker, type DatasetRule, type RuleResult } from "./rules";
import { DEFAULT_SAMPLE_SIZE, DEFAULT_SEED, Reservoir, type DataSample } from "./sample";

export { CsvError } from "./csv";
export { DISTINCT_CAP } from "./profile";
export type { ColumnProfile, ColumnSchema, ColumnType, DatasetProfile, Histogram } from "./profile";
export { describeRule, evaluateReferenceRules, ruleSpecSchema, worstStatus } from "./rules";
export type { DatasetRule, RuleExample, RuleKind, RuleResult, RuleSpec, RuleSpecInput, RuleStatus } from "./rules";
export type { DataSample } from "./sample";

export interface ProfileResult {
  sha256: string;
  sizeBytes: number;
  rowCount: number;
  columns: ColumnSchema[];
  profile: DatasetProfile;
  sample: DataSample;
  validation: RuleResult[];
}

export interface ProfileOptions {
  /** More bytes than this → CsvError with status 413, thrown as soon as they arrive. */
  maxBytes: number;
  /** Rows in the sample (default 100,000). */
  sampleSize?: number;
  /** Seed of the sample's PRNG; the default is a fixed constant, so profiles are deterministic. */
  seed?: number;
  /** Evaluated in the same pass. */
  rules?: DatasetRule[];
  /** Columns of the previous version, for schema_unchanged (null/absent: no previous version). */
  previousColumns?: ColumnSchema[] | null;
  /** Internal (tests, tuning): how many numeric values may be buffered for exact quantiles. */
  exactValueBudget?: number;
}

export async function profileCsv(source: AsyncIterable<Uint8Array>, options: ProfileOptions): Promise<ProfileResult> {
  const run = new ProfileRun(options);
  const hash = createHash("sha256");
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let size = 0;
  for await (const chunk of source) {
    const offset = size;
    size += chunk.byteLength;
    // Throwing here ends the for-await, which calls the source's return(): a stream is destroyed.
    if (size > options.maxBytes) throw new CsvError(`The file is larger than the ${formatBytes(options.maxBytes)} limit.`, 413);
    hash.update(chunk);
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      const at = firstInvalidUtf8(chunk);
      throw notUtf8(at === -1 ? offset : offset + at);
    }
    if (text.length > 0) run.parser.feed(text);
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    throw notUtf8(Math.max(0, size - 3)); // a multi-byte sequence cut off by the end of the file
  }
  if (tail.length > 0) run.parser.feed(tail);
  run.parser.finish();
  return run.finish(hash.digest("hex"), size);
}

function notUtf8(offset: number): CsvError {
  return new CsvError(`The file is not valid UTF-8 text (first invalid byte near offset ${offset.toLocaleString("en-US")}).`);
}

/** State of one profiling pass, fed record by record by the parser. */
class ProfileRun {
  readonly parser: CsvParser;
  private header: string[] | null = null;
  /** The first record was whitespace only: the file is empty unless a real record follows. */
  private blankFirstRecord = false;
  private stats: ColumnStats[] = [];
  private values: (string | null)[] = [];
  private rowCount = 0;
  private rules: RuleChecker | null = null;
  private reservoir: Reservoir | null = null;
  private readonly sampleSize: number;
  private readonly budget: ValueBudget;

  constructor(private readonly options: ProfileOptions) {
    const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
    if (!Number.isInteger(sampleSize) || sampleSize < 0) throw new RangeError("sampleSize must be a non-negative integer");
    if (!(options.maxBytes >= 0)) throw new RangeError("maxBytes must be a non-negative number");
    this.sampleSize = sampleSize;
    this.budget = new ValueBudget(options.exactValueBudget ?? DEFAULT_EXACT_VALUE_BUDGET);
    this.parser = new CsvParser((fields, count, line, bareSingle) => {
      if (this.header !== null) {
        if (count !== this.values.length) {
          throw new CsvError(`Line ${line} has ${count} field${count === 1 ? "" : "s"}; the header has ${this.values.length}.`);
        }
        this.addRow(fields);
      } else {
        this.setHeader(fields, count, bareSingle);
      }
    });
  }

  private setHeader(fields: string[], count: number, bareSingle: boolean): void {
    if (bareSingle && fields[0]!.trim() === "") {
      this.blankFirstRecord = true;
      return;
    }
    if (this.blankFirstRecord) throw new CsvError("Column 1 has an empty name.");
    const names: string[] = [];
    const seen = new Set<string>();
    for (let c = 0; c < count; c++) {
      const name = fields[c]!.trim();
      if (name === "") throw new CsvError(`Column ${c + 1} has an empty name.`);
      if (seen.has(name)) throw new CsvError(`Column name "${name}" appears twice.`);
      seen.add(name);
      names.push(detach(name));
    }
    this.header = names;
    this.stats = names.map((name) => new ColumnStats(name, this.budget));
    this.reservoir = new Reservoir(this.sampleSize, this.options.seed ?? DEFAULT_SEED, names.length);
    this.values = new Array<string | null>(names.length).fill(null);
    const rules = this.options.rules ?? [];
    this.rules = rules.length > 0 ? new RuleChecker(rules, names) : null;
    this.parser.fieldCap = names.length;
  }

  private addRow(fields: string[]): void {
    const rowIndex = ++this.rowCount;
    const values = this.values;
    const stats = this.stats;
    for (let c = 0; c < values.length; c++) {
      const v = normalizeField(fields[c]!);
      values[c] = v;
      stats[c]!.add(v);
    }
    if (this.rules !== null) this.rules.checkRow(values, rowIndex);
    this.reservoir!.offer(values, rowIndex);
  }

  finish(sha256: string, sizeBytes: number): ProfileResult {
    if (this.header === null) throw new CsvError("The file is empty.");
    if (this.rowCount === 0) throw new CsvError("The file has a header but no data rows.");
    const header = this.header;
    const reservoir = this.reservoir!;
    const columnProfiles = this.stats.map((s, i) => s.profile(() => reservoir.column(i)));
    const columns = columnProfiles.map(({ name, type }) => ({ name, type }));
    const rowCount = this.rowCount;
    return {
      sha256,
      sizeBytes,
      rowCount,
      columns,
      profile: { rowCount, columns: columnProfiles },
      sample: reservoir.result(header.slice()),
      validation: this.rules?.results(rowCount, columns, this.options.previousColumns ?? null) ?? [],
    };
  }
}
