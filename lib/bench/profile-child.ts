// Child process of lib/bench/profile.ts: profiles one CSV file the way an upload is profiled —
// streamed from disk through profileCsv while the same bytes are written to a second file — and
// prints timing and this process's peak RSS as JSON. Usage: node --import tsx profile-child.ts <csv> <copy>
import fs from "node:fs";
import { teeToFile } from "../artifacts/tee";
import { profileCsv, type DatasetRule } from "../datasets/csv-profile";

const [source, copyPath] = process.argv.slice(2);
if (!source || !copyPath) throw new Error("usage: profile-child.ts <csv> <copy>");

const rules: DatasetRule[] = [
  { id: "unique-id", kind: "unique", column: "id", severity: "fail" },
  { id: "x1-range", kind: "numeric_range", column: "x1", min: 0, max: 1000, severity: "fail" },
  { id: "x2-nulls", kind: "max_null_fraction", column: "x2", max: 0.1, severity: "warn" },
  { id: "country", kind: "allowed_values", column: "country", values: ["US", "DE", "FR", "GB", "IN", "BR", "JP", "CA", "ES"], severity: "warn" },
  { id: "rows", kind: "row_count", min: 1, severity: "fail" },
  { id: "schema", kind: "schema_unchanged", severity: "warn" },
];

const t0 = performance.now();
const copy = await fs.promises.open(copyPath, "w");
let result;
try {
  result = await profileCsv(teeToFile(fs.createReadStream(source), copy), { maxBytes: 2_000_000_000, rules });
} finally {
  await copy.close();
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage();
const types: Record<string, number> = {};
for (const c of result.columns) types[c.type] = (types[c.type] ?? 0) + 1;
console.log(
  JSON.stringify({
    seconds,
    maxRssKB: process.resourceUsage().maxRSS,
    // Whole-process CPU (includes tsx start-up and GC threads); wall time above is the target.
    cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
    rowCount: result.rowCount,
    columns: result.columns.length,
    types,
    sampleRows: result.sample.rows.length,
    exactQuantiles: result.profile.columns.every((c) => !c.numeric || !c.numeric.quantilesApproximate),
    validation: Object.fromEntries(result.validation.map((r) => [r.ruleId, `${r.status} (${r.offendingCount ?? "-"})`])),
  }),
);
