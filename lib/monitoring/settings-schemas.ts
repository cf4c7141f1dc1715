import { z } from "zod";
import { modelNameSchema } from "@/lib/models/schemas";
import type { DriftMethod } from "./drift";

// A model's monitoring settings (issue 7): the reference dataset version drift is measured against
// (else the production version's training data) and, per column, the drift method and threshold.
// Shared by the HTTP API (PUT …/models/{name}/monitoring), the server action and the client form,
// so nothing here may import server code (drift.ts is imported for its type only).

export const driftMethods = ["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi"] as const satisfies readonly DriftMethod[];

/** Methods whose threshold is a p-value (drift when p is below it); the others are distances. */
export const pValueMethods: readonly DriftMethod[] = ["ks", "chisquare", "z"];

export const driftMethodLabels: Record<DriftMethod, string> = {
  ks: "Kolmogorov–Smirnov (p-value)",
  chisquare: "Chi-square (p-value)",
  z: "Two-proportion Z-test (p-value)",
  wasserstein: "Wasserstein, normed (distance)",
  jensenshannon: "Jensen–Shannon (distance)",
  psi: "PSI (distance)",
};

export const MAX_CONFIGURED_COLUMNS = 500;

const methodSchema = z.enum(driftMethods, {
  error: (issue) => `unknown method ${JSON.stringify(issue.input)}: use one of ${driftMethods.join(", ")}, or leave it out for Evidently's default`,
});

const thresholdSchema = z
  .number({ error: "threshold must be a number" })
  .refine(Number.isFinite, "threshold must be a finite number")
  .refine((n) => n > 0, "threshold must be greater than 0");

export const columnSettingSchema = z
  .strictObject(
    { method: methodSchema.optional(), threshold: thresholdSchema.optional() },
    { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown fields ${issue.keys.join(", ")}: a column takes {method?, threshold?}` : "must be an object {method?, threshold?}") },
  )
  .superRefine((c, ctx) => {
    if (c.threshold === undefined || c.threshold <= 1) return;
    // Without a method the default test may be a p-value one (KS, chi-square, Z on references of up to 1,000 rows).
    if (c.method === undefined) {
      ctx.addIssue({ code: "custom", path: ["threshold"], message: "threshold above 1 needs a distance method (wasserstein, jensenshannon or psi): without a method, the default test may compare a p-value with it" });
    } else if (pValueMethods.includes(c.method)) {
      ctx.addIssue({ code: "custom", path: ["threshold"], message: `threshold of ${c.method} is a p-value: give a number in (0, 1], e.g. 0.05` });
    }
  });
export type ColumnSetting = z.infer<typeof columnSettingSchema>;

export const columnSettingsSchema = z
  .record(z.string(), columnSettingSchema, { error: (issue) => (issue.code === "invalid_type" ? "columns must be an object of column name → {method?, threshold?}" : undefined) })
  .superRefine((cols, ctx) => {
    const names = Object.keys(cols);
    if (names.length > MAX_CONFIGURED_COLUMNS) ctx.addIssue({ code: "custom", message: `configure at most ${MAX_CONFIGURED_COLUMNS} columns` });
    for (const name of names) {
      if (name.trim() === "") ctx.addIssue({ code: "custom", path: [name], message: "column names must not be empty" });
      else if (name.length > 200) ctx.addIssue({ code: "custom", path: [name], message: "column names are at most 200 characters" });
    }
  });
export type ColumnSettings = z.infer<typeof columnSettingsSchema>;

export const referenceDatasetSchema = z.strictObject(
  {
    dataset: z.string({ error: "dataset must be the dataset's name" }).trim().min(1, "dataset must not be empty").max(100, "dataset names are at most 100 characters"),
    version: z.number({ error: "version must be a number" }).int("version must be a whole number").min(1, "versions start at 1").max(2_147_483_647, "no such version"),
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown fields ${issue.keys.join(", ")}: give {dataset, version}` : "must be {dataset, version} or null") },
);
export type ReferenceDatasetInput = z.infer<typeof referenceDatasetSchema>;

/**
 * The body of PUT …/monitoring. `referenceDataset: null` goes back to the production version's
 * training data; `columns` left out keeps the current per-column settings, `{}` clears them.
 */
export const monitoringSettingsBodySchema = z.strictObject(
  {
    referenceDataset: referenceDatasetSchema.nullable(),
    columns: columnSettingsSchema.optional(),
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? `unknown fields ${issue.keys.join(", ")}: send {referenceDataset, columns?}` : undefined) },
);
export type MonitoringSettingsInput = z.infer<typeof monitoringSettingsBodySchema>;

/** "subscribers@3" → {dataset, version}; "" → null (the production version's training data). */
const referenceChoiceSchema = z.string().transform((s, ctx): ReferenceDatasetInput | null => {
  if (s === "") return null;
  const at = s.lastIndexOf("@");
  const parsed = referenceDatasetSchema.safeParse({ dataset: s.slice(0, at), version: Number(s.slice(at + 1)) });
  if (at <= 0 || !parsed.success) {
    ctx.addIssue({ code: "custom", message: "Choose a dataset version from the list." });
    return z.NEVER;
  }
  return parsed.data;
});

/** "Column age: threshold must be …", from the first issue of a column settings parse. */
export function describeColumnIssue(issue: z.core.$ZodIssue): string {
  const [name, field] = issue.path;
  if (name === undefined) return `${issue.message[0]!.toUpperCase()}${issue.message.slice(1)}.`;
  const message = field === undefined || issue.message.startsWith(String(field)) ? issue.message : `${String(field)}: ${issue.message}`;
  return `Column ${String(name)}: ${message}.`;
}

/** The settings form: the reference as one select value, the per-column editor's rows as one JSON field. */
export const monitoringSettingsSchema = z.object({
  modelName: modelNameSchema,
  reference: referenceChoiceSchema,
  columns: z
    .string()
    .max(200_000, "Too many column settings.")
    .transform((s, ctx): ColumnSettings => {
      let raw: unknown;
      try {
        raw = JSON.parse(s === "" ? "{}" : s);
      } catch {
        ctx.addIssue({ code: "custom", message: "The column settings could not be read. Reload the page and try again." });
        return z.NEVER;
      }
      const parsed = columnSettingsSchema.safeParse(raw);
      if (!parsed.success) {
        ctx.addIssue({ code: "custom", message: describeColumnIssue(parsed.error.issues[0]!) });
        return z.NEVER;
      }
      return parsed.data;
    }),
});
export type MonitoringSettingsForm = z.infer<typeof monitoringSettingsSchema>;
