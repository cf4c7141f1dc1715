import { z } from "zod";
import { executorKinds } from "@/lib/agent/protocol";

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

export const updateClusterSchema = z.object({
  description: z.string().trim().max(500, "At most 500 characters.").default(""),
  costPerGpuHour: costSchema.default(null),
});
export type UpdateClusterInput = z.infer<typeof updateClusterSchema>;

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
