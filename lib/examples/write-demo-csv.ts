// Writes public/demo/churn.csv: the seeded "subscribers" dataset, version 1, byte for byte, so users
// can try `npm run example:train -- --data public/demo/churn.csv --target churned` on the same data
// the demo shows. Run with `npx tsx lib/examples/write-demo-csv.ts` after changing db/demo-data.ts.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { demoSubscribersCsv } from "@/db/demo-data";

const DEMO_CSV_PATH = path.join(import.meta.dirname, "..", "..", "public", "demo", "churn.csv");

mkdirSync(path.dirname(DEMO_CSV_PATH), { recursive: true });
writeFileSync(DEMO_CSV_PATH, demoSubscribersCsv(1));
console.log(`Wrote ${path.relative(process.cwd(), DEMO_CSV_PATH)}`);
