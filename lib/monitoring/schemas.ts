import { z } from "zod";

// The ingest API's input (issue 7): a batch of production predictions, up to 10,000 rows.

export const MAX_BATCH_ROWS = 10_000;
/** Decompressed body size cap: 10,000 rows of ~100 features fit easily. */
export const MAX_BATCH_BYTES = 32 * 1024 * 1024;

/** PostgreSQL text and jsonb refuse NUL characters and lone surrogates: refused here with a clear message. */
const cleanText = (s: string) => !s.includes("\u0000") && s.isWellFormed();
const text = (max: number) =>
  z
    .string({ error: "must be a string" })
    .max(max, `must be at most ${max} characters`)
    .refine(cleanText, "must not contain NUL characters or unpaired surrogates");
/** Finite and far from the double range's edges, so every statistic stays finite. */
const number = z.number({ error: "must be a number" }).refine((n) => Number.isFinite(n) && Math.abs(n) <= 1e300, "must be a finite number of magnitude at most 1e300");

const featureValue = z.union([number, text(1000), z.boolean(), z.null()], {
  error: "must be a number, a string, a boolean or null",
});

const timestamp = z
  .union([z.iso.datetime({ offset: true }), z.number().int().min(0).max(253402300799999)], {
    error: "must be an ISO 8601 time with an offset (2026-11-26T10:00:00Z) or epoch milliseconds",
  })
  .refine((t) => {
    const year = new Date(t).getUTCFullYear();
    return year >= 1 && year <= 9999;
  }, "must be between the years 1 and 9999 in UTC");

export const predictionRowSchema = z.strictObject(
  {
    id: text(200).min(1, "must not be empty").optional(),
    timestamp: timestamp.optional(),
    features: z.record(text(200).min(1), featureValue, { error: "must be an object of feature name → value" }).refine(
      (f) => Object.keys(f).length <= 500,
      "has more than 500 features",
    ),
    prediction: z.union([text(200).min(1), number, z.boolean()], { error: "must be a string, a number or a boolean" }),
    score: number.optional(),
    label: z.union([text(200).min(1), number, z.boolean()], { error: "must be a string, a number or a boolean" }).optional(),
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? `has unknown fields: ${issue.keys.join(", ")}` : "must be an object") },
);
export type PredictionRow = z.infer<typeof predictionRowSchema>;

export const batchIdSchema = z
  .string({ error: "batchId must be a string" })
  .min(1, "batchId must not be empty")
  .max(200, "batchId must be at most 200 characters")
  .refine(cleanText, "batchId must not contain NUL characters or unpaired surrogates");

export const labelsSchema = z.strictObject({
  labels: z
    .array(
      z.strictObject({
        id: text(200).min(1),
        label: z.union([text(200).min(1), number, z.boolean()]),
      }),
    )
    .min(1, "send at least one label")
    .max(MAX_BATCH_ROWS, `send at most ${MAX_BATCH_ROWS} labels at once`),
});

export const createIngestTokenSchema = z.object({
  name: z.string().trim().min(1, "Name the token (e.g. the serving deployment).").max(100, "At most 100 characters."),
});

/** Labels and predictions are compared as strings ("1" and 1 are the same class). */
export function asClass(v: string | number | boolean): string {
  return String(v);
}

const instant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 time with an offset, e.g. 2026-11-26T00:00:00Z" });

/** `?from=&to=&window=hour|day|batch` of the drift and performance reads. */
export const windowQuerySchema = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    window: z.enum(["hour", "day", "batch"], { error: "window must be hour, day or batch" }).default("day"),
  })
  .transform((q) => {
    const to = q.to ? new Date(q.to) : new Date();
    const span = q.window === "hour" ? 2 * 86_400_000 : 7 * 86_400_000;
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - span);
    return { window: q.window, from, to };
  })
  .refine((q) => q.from < q.to, { message: "from must be before to", path: ["from"] })
  .refine((q) => q.from.getUTCFullYear() >= 1 && q.to.getUTCFullYear() <= 9999, { message: "use times between the years 1 and 9999", path: ["from"] });
