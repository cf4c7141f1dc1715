// Seeded train/validation split. Stratified by default so that a rare class (a 15% churn rate, say)
// has the same share in both parts and every class is present in training.
import { mulberry32 } from "@/lib/datasets/sample";

export interface Split {
  /** Row indexes, ascending. */
  train: number[];
  validation: number[];
}

/** Fisher–Yates with the given generator: the same seed always gives the same order. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** How many of n rows go to validation: rounded, but never all of them. */
function validationCount(n: number, fraction: number): number {
  return Math.min(n - 1, Math.round(n * fraction));
}

function groupByLabel(labels: readonly string[]): number[][] {
  const groups = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const group = groups.get(label);
    if (group) group.push(i);
    else groups.set(label, [i]);
  });
  return [...groups.values()];
}

/**
 * Splits rows 0…labels.length−1. Stratified: each label's rows are shuffled and round(n × fraction)
 * of them (at most n − 1) go to validation. Otherwise one shuffle of all rows.
 */
export function splitTrainValidation(labels: readonly string[], fraction: number, seed: number, options: { stratify?: boolean } = {}): Split {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`The validation fraction must be between 0 and 1 (exclusive), not ${fraction}.`);
  const random = mulberry32(seed);
  const groups = options.stratify === false ? [labels.map((_, i) => i)] : groupByLabel(labels);
  const train: number[] = [];
  const validation: number[] = [];
  for (const group of groups) {
    const shuffled = shuffle(group, random);
    const k = validationCount(shuffled.length, fraction);
    validation.push(...shuffled.slice(0, k));
    train.push(...shuffled.slice(k));
  }
  if (validation.length === 0 || train.length === 0) {
    throw new Error(`Too few rows (${labels.length}) to hold out a validation fraction of ${fraction}.`);
  }
  const ascending = (a: number, b: number) => a - b;
  return { train: train.sort(ascending), validation: validation.sort(ascending) };
}
