import { z } from "zod";

// Dataset names become URL segments and artifact paths: a conservative alphabet, no "..", no "/".
export const DATASET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const datasetNameSchema = z
  .string()
  .trim()
  .min(1, "Enter a dataset name.")
  .max(100, "Keep the name to 100 characters or fewer.")
  .refine((v) => DATASET_NAME_PATTERN.test(v) && !v.includes(".."), {
    message: "Use letters, digits, '.', '_' and '-' only, starting with a letter or digit (no '/', no '..').",
  });

export const createDatasetSchema = z.object({
  name: datasetNameSchema,
  description: z.string().trim().max(2000, "Keep the description to 2,000 characters or fewer.").optional().default(""),
});
export type CreateDatasetInput = z.infer<typeof createDatasetSchema>;

const columnTypeSchema = z.enum(["numeric", "categorical", "boolean", "datetime", "text"]);

// External data: object stores and web servers. No file: or relative paths (DESIGN §6).
const allowedSchemes = ["s3:", "gs:", "gcs:", "az:", "abfs:", "abfss:", "hdfs:", "https:", "http:"];

/** True when `..` or a backslash hides in the URI's path, in any percent-encoding depth. */
function hasTraversal(uri: string): boolean {
  let current = uri;
  for (let i = 0; i < 4; i++) {
    if (/\\/.test(current) || /(^|\/)\.\.(\/|$)/.test(current)) return true;
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return true; // malformed escapes are refused rather than guessed at
    }
    if (decoded === current) return false;
    current = decoded;
  }
  return true;
}

export const datasetUriSchema = z
  .string({ message: "Enter the URI of the data." })
  .trim()
  .min(1, "Enter the URI of the data.")
  .max(2000, "Keep the URI to 2,000 characters or fewer.")
  .superRefine((v, ctx) => {
    if (hasTraversal(v)) {
      ctx.addIssue({ code: "custom", message: "The URI must not contain '..' segments or backslashes, in any encoding." });
      return;
    }
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      ctx.addIssue({ code: "custom", message: "Enter an absolute URI such as s3://bucket/path/data.csv or https://…" });
      return;
    }
    if (!allowedSchemes.includes(url.protocol)) {
      ctx.addIssue({ code: "custom", message: `Use one of ${allowedSchemes.map((s) => s + "//").join(", ")} (not ${url.protocol}).` });
      return;
    }
    if (url.username || url.password) ctx.addIssue({ code: "custom", message: "Do not put credentials in the URI." });
  });

export const sha256Schema = z
  .string({ message: "Give the sha256 digest of the data (64 hex characters)." })
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{64}$/, "Give the sha256 digest of the data (64 hex characters).");

export const referenceVersionSchema = z.object({
  uri: datasetUriSchema,
  sha256: sha256Schema,
  rowCount: z.coerce.number().int("Row count must be a whole number.").min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  columns: z
    .array(z.object({ name: z.string().trim().min(1).max(200), type: columnTypeSchema }))
    .max(2000)
    .refine((cols) => new Set(cols.map((c) => c.name)).size === cols.length, "Column names must be unique.")
    .optional(),
});
export type ReferenceVersionInput = z.infer<typeof referenceVersionSchema>;

export const versionNumberSchema = z.coerce.number().int().min(1).max(2_147_483_647);

export const versionsPageSchema = z.object({
  before: versionNumberSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional().default(50),
});

// ---- forms ---------------------------------------------------------------------------------------

export const createDatasetFormSchema = createDatasetSchema.extend({ projectSlug: z.string() });

export const referenceVersionFormSchema = z.object({
  projectSlug: z.string(),
  datasetName: z.string(),
  uri: datasetUriSchema,
  sha256: sha256Schema,
  rowCount: z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      const cleaned = v?.replace(/[,_\s]/g, "");
      if (!cleaned) return undefined;
      const n = Number(cleaned);
      if (!Number.isSafeInteger(n) || n < 0) {
        ctx.addIssue({ code: "custom", message: "Row count must be a whole number." });
        return z.NEVER;
      }
      return n;
    }),
});

const optionalNumber = (label: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n)) {
        ctx.addIssue({ code: "custom", message: `${label} must be a number.` });
        return z.NEVER;
      }
      return n;
    });

/** The rule editor's flat form fields; `ruleSpecFromForm` turns them into a rule spec. */
export const ruleFormSchema = z.object({
  projectSlug: z.string(),
  datasetName: z.string(),
  kind: z.enum(
    ["column_present", "column_type", "max_null_fraction", "numeric_range", "allowed_values", "unique", "row_count", "schema_unchanged"],
    { message: "Choose a kind of rule." },
  ),
  severity: z.enum(["fail", "warn"]).default("fail"),
  column: z.string().trim().max(200).optional().default(""),
  type: z.string().optional().default(""),
  maxNullPercent: optionalNumber("Max null %"),
  min: optionalNumber("Minimum"),
  max: optionalNumber("Maximum"),
  values: z.string().max(100_000).optional().default(""),
});
export type RuleForm = z.infer<typeof ruleFormSchema>;

export const deleteRuleSchema = z.object({
  projectSlug: z.string(),
  datasetName: z.string(),
  ruleId: z.uuid("Unknown rule."),
});
