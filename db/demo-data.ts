// Demo CSVs for the seeded "subscribers" dataset: deterministic, realistic enough to profile and
// validate, and version 2 drifts from version 1 (higher fees, a new column, an unexpected country).
// Version 3 is the next month's clean export: version 2's columns, version 1's distributions. It is
// not seeded; it is the file a user uploads to watch the demo pipeline retrain (public/demo/).
import { mulberry32 } from "@/lib/datasets/sample";

/** Version 3's rows: a seed whose month trains a model that clears the demo model's gates (db/seed.test.ts checks). */
const DEMO_V3_SEED = 12;

function pick<T>(r: () => number, items: readonly T[], weights: readonly number[]): T {
  let x = r() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i++) {
    x -= weights[i]!;
    if (x <= 0) return items[i]!;
  }
  return items.at(-1)!;
}

function normal(r: () => number, mean: number, sd: number) {
  const u = Math.max(r(), 1e-12);
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

export function demoSubscribersCsv(version: 1 | 2 | 3, rows = 2000): string {
  const r = mulberry32(version === 1 ? 17 : version === 2 ? 42 : DEMO_V3_SEED);
  const header = ["subscriber_id", "plan", "monthly_fee", "tenure_months", "support_tickets", "last_login", "autopay", "country", "churned"];
  if (version !== 1) header.push("discount_pct");
  const lines = [header.join(",")];
  const countries = version !== 2 ? ["US", "DE", "FR", "GB", "BR"] : ["US", "DE", "FR", "GB", "BR", "XX"];
  const countryWeights = version !== 2 ? [40, 20, 15, 15, 10] : [38, 20, 15, 15, 10, 2];
  for (let i = 1; i <= rows; i++) {
    const plan = pick(r, ["basic", "pro", "enterprise"], [60, 30, 10]);
    const base = plan === "basic" ? 19 : plan === "pro" ? 49 : 199;
    const fee = Math.max(5, normal(r, base * (version === 2 ? 1.15 : 1), base * 0.08));
    const tenure = Math.max(0, Math.round(normal(r, 18, 10)));
    const tickets = Math.max(0, Math.round(normal(r, 1.2, 1.3)));
    const day = new Date(Date.UTC(2026, 7 + version, 1) + Math.floor(r() * 30 * 86_400_000));
    const autopay = r() < 0.7 ? "true" : "false";
    const churnRisk = 0.08 + 0.05 * tickets - 0.004 * tenure + (autopay === "false" ? 0.08 : 0);
    const churned = r() < churnRisk ? "true" : "false";
    const missingFee = r() < 0.01;
    const fields = [
      `S${String(i).padStart(6, "0")}`,
      plan,
      missingFee ? "" : fee.toFixed(2),
      String(tenure),
      String(tickets),
      day.toISOString().slice(0, 19) + "Z",
      autopay,
      pick(r, countries, countryWeights),
      churned,
    ];
    if (version === 2) fields.push(r() < 0.25 ? String(pick(r, [5, 10, 15, 20], [4, 3, 2, 1])) : "0");
    if (version === 3) fields.push(r() < 0.05 ? "5" : "0");
    lines.push(fields.join(","));
  }
  return lines.join("\n") + "\n";
}
