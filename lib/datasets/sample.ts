// Seeded uniform row sample (reservoir sampling, Algorithm R) for dataset previews.
import { detach } from "./profile";

export interface DataSample {
  columns: string[];
  /** 1-based data-row numbers (the header is not counted), ascending. */
  rowIndexes: number[];
  /** In file order; null marks a null value. */
  rows: (string | null)[][];
}

export const DEFAULT_SAMPLE_SIZE = 100_000;
export const DEFAULT_SEED = 0x5eed_f3a7;

/** mulberry32: a tiny, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Above this many cells (rows × columns) the sample keeps fewer rows: a preview, not a copy. */
export const SAMPLE_CELL_CAP = 4_000_000;

/**
 * Algorithm R. Each kept row is stored as one string (its values concatenated) plus the value
 * lengths in a shared Int32Array (-1 = null): for the 1M-row bench this took the 100,000-row
 * sample from ~200 MB of RSS as arrays of strings to ~30 MB, and a kept row never pins the
 * decoded chunk its values were sliced from.
 */
export class Reservoir {
  private readonly size: number;
  private readonly texts: string[] = [];
  private readonly indexes: number[] = [];
  private lengths: Int32Array;
  private readonly random: () => number;

  constructor(
    sampleSize: number,
    seed: number,
    private readonly width: number,
  ) {
    this.size = Math.min(sampleSize, Math.floor(SAMPLE_CELL_CAP / Math.max(1, width)));
    this.lengths = new Int32Array(Math.min(this.size, 1024) * width);
    this.random = mulberry32(seed);
  }

  /** `rowIndex` is the 1-based number of this row among all rows offered so far. */
  offer(values: readonly (string | null)[], rowIndex: number): void {
    let slot = this.texts.length;
    if (slot >= this.size) {
      // Row i (1-based) replaces a uniformly chosen slot with probability size / i.
      slot = Math.floor(this.random() * rowIndex);
      if (slot >= this.size) return;
    } else if ((slot + 1) * this.width > this.lengths.length) {
      const grown = new Int32Array(Math.min(this.size, slot * 2) * this.width);
      grown.set(this.lengths);
      this.lengths = grown;
    }
    const lengths = this.lengths;
    const base = slot * this.width;
    for (let c = 0; c < this.width; c++) {
      const v = values[c] ?? null;
      lengths[base + c] = v === null ? -1 : v.length;
    }
    // join writes null as "". It returns a fresh flat string, except that with a single non-empty
    // value it returns that value itself, which may still be a view into the chunk: detach.
    this.texts[slot] = detach(values.join(""));
    this.indexes[slot] = rowIndex;
  }

  private decode(slot: number, only = -1): (string | null)[] {
    const text = this.texts[slot]!;
    const row: (string | null)[] = [];
    let at = 0;
    for (let c = 0, base = slot * this.width; c < this.width; c++) {
      const len = this.lengths[base + c]!;
      if (only === -1 || only === c) row.push(len < 0 ? null : text.slice(at, at + len));
      if (len > 0) at += len;
    }
    return row;
  }

  /** Sampled values of one column, in slot order (unsorted; for estimates). */
  column(index: number): (string | null)[] {
    return this.texts.map((_, slot) => this.decode(slot, index)[0]!);
  }

  result(columns: string[]): DataSample {
    // Slots in file order via a numeric typed-array sort of (row index, slot) packed in one double.
    const slots = this.size + 1;
    const keys = Float64Array.from(this.indexes, (rowIndex, slot) => rowIndex * slots + slot).sort();
    const order = Array.from(keys, (key) => key % slots);
    return { columns, rowIndexes: order.map((slot) => this.indexes[slot]!), rows: order.map((slot) => this.decode(slot)) };
  }
}
