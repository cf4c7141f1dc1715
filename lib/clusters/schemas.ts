import { z } from "zod";
import { clusterSettingsSchema, executorKinds, type ClusterSettings, type ExecutorKind } from "@/lib/agent/protocol";

export const clusterNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, "Enter a name.")
  .max(40, "At most 40 characters.")
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "Lowercase letters, digits and '-' (not at either end), e.g. gpu-west.");

export const costSchema = z
  .union([z.number(), z.string().trim()])
  .transform((v, ctx) => {
    if (v === "") return null;
    const n = typeof v === "number" ? v : Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 100_000) {
      ctx.addIssue({ code: "custom", message: "A cost per GPU-hour between 0 and 100,000." });
      return z.NEVER;
    }
    return Math.round(n * 10_000) / 10_000;
  })
  .nullable();

export const registerClusterSchema = z.object({
  name: clusterNameSchema,
  executor: z.enum(executorKinds, { message: `Executor: one of ${executorKinds.join(", ")}.` }),
  description: z.string().trim().max(500, "At most 500 characters.").optional().default(""),
  costPerGpuHour: costSchema.optional().default(null),
});
export type RegisterClusterInput = z.infer<typeof registerClusterSchema>;

/** A setting field of a form: empty means "not set" (the scheduler's default). */
const setting = <T extends z.ZodType<string | undefined>>(field: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), field);

const settingsShape = clusterSettingsSchema.shape;

export const updateClusterSchema = z.object({
  description: z.string().trim().max(500, "At most 500 characters.").default(""),
  costPerGpuHour: costSchema.default(null),
  partition: setting(settingsShape.partition),
  timeLimit: setting(settingsShape.timeLimit),
  account: setting(settingsShape.account),
  namespace: setting(settingsShape.namespace),
  image: setting(settingsShape.image),
});
export type UpdateClusterInput = z.infer<typeof updateClusterSchema>;

/** The settings each executor uses (DESIGN §2.4); others are not stored. */
export const executorSettingKeys: Record<ExecutorKind, readonly (keyof ClusterSettings)[]> = {
  local: [],
  slurm: ["partition", "timeLimit", "account"],
  kubernetes: ["namespace", "image"],
};

/** The settings of an edit, kept to the cluster's executor, without empty ones. */
export function settingsFor(executor: ExecutorKind, input: Partial<ClusterSettings>): ClusterSettings {
  const settings: ClusterSettings = {};
  for (const key of executorSettingKeys[executor]) if (input[key] !== undefined) settings[key] = input[key];
  return settings;
}
export const quotaSchema = z.object({
  projectId: z.uuid("Choose a project."),
  /** Empty: no limit. */
  maxGpus: z
    .union([z.number(), z.string().trim()])
    .transform((v, ctx) => {
      if (v === "") return null;
      const n = typeof v === "number" ? v : Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 100_000) {
        ctx.addIssue({ code: "custom", message: "A whole number of GPUs (0 or more), or empty for no limit." });
        return z.NEVER;
      }
      return n;
    })
    .nullable(),
});
export type QuotaInput = z.infer<typeof quotaSchema>;
