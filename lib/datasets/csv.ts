// Streaming RFC 4180 record parser and UTF-8 decoding helpers for dataset uploads.
//
// Hand-written rather than csv-parse: on the bench file (1M rows × 20 columns, 180 MB; see
// lib/bench/profile.ts) csv-parse 5 took 5.5–6 s just to produce the records — most of the 10 s
// budget — against 0.7 s here. Fields are sliced straight out of each decoded chunk; there is no
// per-character string building and no per-record option handling. Semantics: ./csv-profile.ts.

/** A problem with the uploaded file. Messages are shown to users as-is. */
export class CsvError extends Error {
  constructor(
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
    this.name = "CsvError";
  }
}

/** Files wider than this are refused: per-column state would dominate memory long before the rows do. */
export const MAX_COLUMNS = 10_000;

const COMMA = 44;
const LF = 10;
const QUOTE = 34;

const START = 0; // at the first character of a field
const UNQUOTED = 1; // inside an unquoted field (or the tail after a closing quote) that continues past a chunk
const QUOTED = 2; // inside a quoted field
const QUOTE_IN_QUOTED = 3; // just saw a quote inside a quoted field: either `""` or the closing quote

/**
 * Receives each record. `fields` is reused between calls (only the first min(count, fieldCap)
 * entries are meaningful); `line` is the physical line the record starts on (1-based);
 * `bareSingle` is true when the record is one unquoted field (so a whitespace-only line).
 */
export type RecordHandler = (fields: string[], count: number, line: number, bareSingle: boolean) => void;

/**
 * Incremental parser: feed() decoded text in arbitrary pieces, then finish(). Only LF ends a
 * record; the CR of a CRLF stays at the end of the last field, where trimming removes it (so a lone
 * CR is not a line break). Lines with zero characters (or just the CR of a CRLF) are skipped.
 * A quote only opens a quoted field at the start of a field; after the closing quote, anything up
 * to the next separator is kept literally (lenient, like Python's csv module).
 */
export class CsvParser {
  /** Fields beyond this many are counted but not stored (a ragged row is an error anyway). */
  fieldCap = MAX_COLUMNS + 1;

  private readonly fields: string[] = [];
  private count = 0;
  private mode = START;
  private partial = "";
  private firstQuoted = false;
  private line = 1;
  private recordLine = 1;
  private quoteLine = 1;

  constructor(private readonly onRecord: RecordHandler) {}

  feed(text: string): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      const mode = this.mode;
      if (mode === START) {
        if (text.charCodeAt(i) === QUOTE) {
          if (this.count === 0) this.firstQuoted = true;
          this.quoteLine = this.line;
          this.mode = QUOTED;
          i++;
          continue;
        }
        // Hot path: an unquoted field that ends inside this chunk becomes one slice.
        let j = i;
        let c = 0;
        while (j < n) {
          c = text.charCodeAt(j);
          if (c === COMMA || c === LF) break;
          j++;
        }
        if (j === n) {
          this.partial = text.slice(i);
          this.mode = UNQUOTED;
          return;
        }
        this.push(text.slice(i, j));
        i = j + 1;
        if (c === LF) this.endRecord();
      } else if (mode === QUOTED) {
        const q = text.indexOf('"', i);
        const end = q === -1 ? n : q;
        for (let k = i; k < end; k++) if (text.charCodeAt(k) === LF) this.line++;
        this.partial += text.slice(i, end);
        if (q === -1) return;
        this.mode = QUOTE_IN_QUOTED;
        i = q + 1;
      } else if (mode === QUOTE_IN_QUOTED) {
        if (text.charCodeAt(i) === QUOTE) {
          this.partial += '"';
          this.mode = QUOTED;
          i++;
        } else {
          this.mode = UNQUOTED;
        }
      } else {
        let j = i;
        let c = 0;
        while (j < n) {
          c = text.charCodeAt(j);
          if (c === COMMA || c === LF) break;
          j++;
        }
        if (j === n) {
          this.partial += text.slice(i);
          return;
        }
        this.push(this.partial + text.slice(i, j));
        this.partial = "";
        this.mode = START;
        i = j + 1;
        if (c === LF) this.endRecord();
      }
    }
  }

  /** Call at end of input; flushes a last record that has no trailing newline. */
  finish(): void {
    const mode = this.mode;
    if (mode === QUOTED) {
      throw new CsvError(`The quoted field starting on line ${this.quoteLine} is never closed.`);
    }
    if (mode === START) {
      if (this.count === 0) return;
      this.push(""); // the input ended right after a comma
    } else {
      this.push(this.partial);
      this.partial = "";
    }
    this.mode = START;
    this.endRecord();
  }

  private push(value: string): void {
    if (this.count < this.fieldCap) this.fields[this.count] = value;
    this.count++;
    // Until the header is known the cap is above MAX_COLUMNS: refuse an over-wide header before
    // its field list grows without bound (data records are counted, not stored, past the cap).
    if (this.count > MAX_COLUMNS && this.fieldCap > MAX_COLUMNS) {
      throw new CsvError(`The file has more than ${MAX_COLUMNS.toLocaleString("en-US")} columns.`);
    }
  }

  private endRecord(): void {
    const count = this.count;
    const line = this.recordLine;
    const bareSingle = count === 1 && !this.firstQuoted;
    this.line++;
    this.recordLine = this.line;
    this.count = 0;
    this.firstQuoted = false;
    if (bareSingle) {
      const only = this.fields[0];
      if (only === "" || only === "\r") return;
    }
    this.onRecord(this.fields, count, line, bareSingle);
  }
}

/**
 * Index of the first byte in `bytes` that cannot start or continue a valid UTF-8 sequence, or -1.
 * Up to three leading continuation bytes are accepted because they may finish a sequence that
 * began in the previous chunk. Used only to word the error message, so it favours simplicity.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n && i < 3 && (bytes[i]! & 0xc0) === 0x80) i++;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return -1; // truncated at the chunk end: the next chunk decides
      const c = bytes[i + k]!;
      if (k === 1 ? c < lo || c > hi : (c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}
