// Timing for DESIGN §5 "Drift for a 100,000-row × 50-feature batch against its reference: ≤ 1 s".
// Not a unit test. Run: npx tsx lib/monitoring/drift-bench.ts [rows] [features]
import { type ColumnOptions, type PreparedColumn, datasetDrift, prepareColumn } from "@/lib/monitoring/drift";

const rows = Number(process.argv[2] ?? 100_000);
const features = Number(process.argv[3] ?? 50);

// Deterministic normal samples (xorshift + Box–Muller) so runs are comparable.
let state = 0x9e3779b9;
function uniform(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return ((state >>> 0) + 0.5) / 4294967296;
}
function normals(n: number, mean: number, sd: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const t = 2 * Math.PI * uniform();
    out[i] = mean + sd * r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = mean + sd * r * Math.sin(t);
  }
  return out;
}

const reference: Record<string, Float64Array> = {};
const current: Record<string, Float64Array> = {};
for (let f = 0; f < features; f++) {
  reference[`f${f}`] = normals(rows, 0, 1);
  // Every fifth feature drifts a little.
  current[`f${f}`] = normals(rows, f % 5 === 0 ? 0.2 : 0, 1);
}

function time<T>(label: string, fn: () => T, repeat = 5): T {
  let result = fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    result = fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`${label}: median ${times[Math.floor(repeat / 2)]!.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times[repeat - 1]!.toFixed(0)})`);
  return result;
}

console.log(`${rows.toLocaleString()} current rows × ${features} numeric features vs ${rows.toLocaleString()}-row references`);
const raw = time("datasetDrift, raw reference (sorts both sides)", () => datasetDrift(reference, current));
const prepared: Record<string, PreparedColumn> = {};
time("prepareColumn for the reference (once per model version)", () => {
  for (const [k, v] of Object.entries(reference)) prepared[k] = prepareColumn(v, "numeric");
});
time("datasetDrift, prepared reference", () => datasetDrift(prepared, current));
const ks: Record<string, ColumnOptions> = Object.fromEntries(Object.keys(reference).map((k) => [k, { method: "ks" }]));
time("datasetDrift, prepared reference, every column forced to KS", () => datasetDrift(prepared, current, { columns: ks }));
console.log(
  `default method ${raw.features[0]!.method}; drifted ${raw.driftedColumns}/${raw.testedColumns}, share ${raw.driftShare}, batch drifted ${raw.drifted}`,
);
