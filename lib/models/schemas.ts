import { z } from "zod";

// One zod schema per input, shared by server actions, the HTTP API and the MLflow registry API.

export const environments = ["staging", "production"] as const;
export type Environment = (typeof environments)[number];
/** Aliases that follow environments: moved only by approvals and rollbacks, never set by hand. */
export const reservedAliases: readonly string[] = environments;

export const modelNameSchema = z
  .string()
  .trim()
  .min(1, "Give the model a name.")
  .max(128, "Model names are at most 128 characters.")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "Use letters, digits, '.', '_' and '-', starting with a letter or digit.")
  .refine((s) => !s.includes(".."), "Model names cannot contain '..'.");

export const environmentSchema = z.enum(environments, {
  error: (issue) => `Unknown environment ${JSON.stringify(issue.input)}: Ferry's environments are staging and production.`,
});

// Numbers, or digits in a string (form fields); not booleans or arrays, which z.coerce would take.
export const versionNumberSchema = z.preprocess(
  (v) => (typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z
    .number({ error: "The version must be a number." })
    .int("The version must be a whole number.")
    .min(1, "Versions start at 1.")
    .max(2_147_483_647, "No such version."),
);

const reason = (what: string) =>
  z
    .string({ error: `Give a reason for the ${what}.` })
    .trim()
    .min(3, `Give a reason for the ${what} (at least 3 characters).`)
    .max(2000, "Keep the reason under 2000 characters.");

export const promotionRequestSchema = z.object({
  version: versionNumberSchema,
  environment: environmentSchema,
  justification: z
    .string({ error: "Say why this version should be promoted." })
    .trim()
    .min(3, "Say why this version should be promoted (at least 3 characters).")
    .max(2000, "Keep the justification under 2000 characters."),
});
export type PromotionRequestInput = z.infer<typeof promotionRequestSchema>;

export const approveSchema = z.object({ reason: reason("approval") });
export const rejectSchema = z.object({ reason: reason("rejection") });
export const overrideSchema = z.object({ reason: reason("override") });
export const withdrawSchema = z.object({ reason: reason("withdrawal").optional() });
export const rollbackSchema = z.object({
  reason: reason("rollback"),
  /** The version the caller saw as current: refused if it changed meanwhile (a double submit rolls back once). */
  fromVersion: versionNumberSchema.optional(),
});
export type DecisionInput = z.infer<typeof approveSchema>;
export type RollbackInput = z.infer<typeof rollbackSchema>;

export const requestIdSchema = z.uuid("No such promotion request.");

const metricKeySchema = z
  .string()
  .trim()
  .min(1, "Name the metric.")
  .max(250, "Metric names are at most 250 characters.")
  .regex(/^[\w./ -]+$/, "Metric names use letters, digits, '_', '-', '.', '/' and spaces.");

const optionalNumber = z
  .number()
  .refine((n) => Number.isFinite(n), "Use a finite number.")
  .nullable()
  .optional()
  .transform((v) => v ?? null);

export const gateRuleSchema = z
  .object({
    metric: metricKeySchema,
    minValue: optionalNumber,
    maxDrop: optionalNumber.refine((v) => v === null || v >= 0, "The allowed drop cannot be negative."),
  })
  .refine((r) => r.minValue !== null || r.maxDrop !== null, { message: "Set a minimum, an allowed drop, or both.", path: ["minValue"] });
export const gateRulesSchema = z
  .array(gateRuleSchema)
  .max(50, "At most 50 gate rules per model.")
  .refine((rules) => new Set(rules.map((r) => r.metric)).size === rules.length, "Each metric can have only one rule.");
export type GateRuleInput = z.infer<typeof gateRuleSchema>;

export const registerFromRunSchema = z.object({
  runId: z.string().regex(/^[0-9a-f]{32}$/, "No such run."),
  modelName: modelNameSchema,
  /** The model's directory below the run's artifacts ("model" by default; "" for the whole run). */
  artifactPath: z.string().trim().max(500).default("model"),
  description: z.string().trim().max(5000).default(""),
});
export type RegisterFromRunInput = z.infer<typeof registerFromRunSchema>;

/** Years PostgreSQL's timestamptz and JavaScript agree on. */
export function inDatabaseRange(d: Date): boolean {
  const year = d.getUTCFullYear();
  return year >= 1 && year <= 9999;
}

export const productionAtSchema = z.object({
  at: z.iso
    .datetime({ offset: true, local: true, error: "Give the time as an ISO date and time, e.g. 2026-11-20T14:00:00Z." })
    .refine((s) => inDatabaseRange(new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(s) ? s : `${s}Z`)), "Give a time between the years 1 and 9999.")
    .optional(),
});
