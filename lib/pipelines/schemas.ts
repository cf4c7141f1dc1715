import { z } from "zod";
import { launchRunSchema, type LaunchRunInput } from "@/lib/runs/schemas";
import { cronProblem } from "./cron";

// Pipelines (issue 9): the same rules for the browser form and the HTTP API.

/** The training run a pipeline launches: a launch without its name and dataset version (the pipeline sets those). */
export type PipelineTemplate = Omit<LaunchRunInput, "name" | "datasetVersion">;

export const PIPELINE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

export const pipelineNameSchema = z
  .string({ message: "Enter a pipeline name." })
  .trim()
  .min(1, "Enter a pipeline name.")
  .max(80, "Keep the name to 80 characters or fewer.")
  .regex(PIPELINE_NAME_PATTERN, "Use letters, digits, '.', '_' and '-' only, starting with a letter or digit.");

export const environmentsSchema = z
  .array(z.enum(["staging", "production"], { message: "Environments: staging and/or production." }))
  .min(1, "Choose where the new version is requested: staging, production or both.")
  .max(2)
  .transform((envs) => (["staging", "production"] as const).filter((e) => envs.includes(e)));

/** A launch template: launchRunSchema's rules, with the pipeline's own name and dataset left out. */
export const templateSchema = z
  .unknown()
  .transform((raw, ctx): PipelineTemplate => {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
      ctx.addIssue({ code: "custom", message: "template: an object with command, params, gpus, cluster, code." });
      return z.NEVER;
    }
    const { name: _n, datasetVersion: _d, ...rest } = raw as Record<string, unknown>;
    const parsed = launchRunSchema.safeParse({ ...rest, datasetVersion: null });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
      return z.NEVER;
    }
    const { name: _name, datasetVersion: _dv, ...template } = parsed.data;
    return template;
  });

export const cronSchema = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    const problem = cronProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const triggersSchema = z
  .object({
    /** Start on every new version of the pipeline's dataset (it must pass validation to train). */
    datasetVersion: z.boolean().optional().default(false),
    /** A cron schedule in UTC, or null for none. */
    schedule: cronSchema.optional().nullable().transform((v) => v || null),
    /** Start when a drift alert opens on the model in production. */
    driftAlert: z.boolean().optional().default(false),
  })
  .strict()
  .default({ datasetVersion: false, schedule: null, driftAlert: false });

export const pipelineInputSchema = z
  .object({
    name: pipelineNameSchema,
    description: z.string().trim().max(2000, "Keep the description to 2,000 characters or fewer.").optional().default(""),
    /** A registered model of this project, by name. */
    model: z.string({ message: "Choose the model." }).trim().min(1, "Choose the model."),
    /** A dataset of this project, by name: the data the pipeline validates and trains on. */
    dataset: z.string({ message: "Choose the dataset." }).trim().min(1, "Choose the dataset."),
    template: templateSchema,
    artifactPath: z
      .string()
      .trim()
      .max(500)
      .regex(/^[A-Za-z0-9._\-/]*$/, "The model's artifact path: letters, digits, '.', '_', '-' and '/'.")
      .optional()
      .default("model")
      .transform((p) => p.replace(/^\/+|\/+$/g, "") || "model")
      // The segment rules of runs:/ sources (lib/models/source.ts), so a path saved here is one the register step accepts.
      .refine((p) => p.split("/").every((seg) => seg !== "" && seg !== "." && seg !== ".."), "The model's artifact path: no empty, '.' or '..' segments (e.g. model or outputs/model)."),
    promoteTo: environmentsSchema.optional().default(["staging"]),
    triggers: triggersSchema,
    enabled: z.boolean().optional().default(true),
  })
  .strict();
export type PipelineInput = z.infer<typeof pipelineInputSchema>;

/** POST …/pipelines/{name}/runs: a manual start, optionally overriding template parameters. */
export const startPipelineRunSchema = z
  .object({
    params: z
      .record(z.string().trim().min(1).max(250), z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v)))
      .optional()
      .default({})
      .refine((p) => Object.keys(p).length <= 100, "At most 100 parameters."),
    /** A dataset version number of the pipeline's dataset; default: the newest. */
    datasetVersion: z.number({ message: "datasetVersion: a version number." }).int().min(1).optional().nullable(),
  })
  .strict()
  .default({ params: {} });
export type StartPipelineRunInput = z.infer<typeof startPipelineRunSchema>;

export const pipelineRunIdSchema = z.string().uuid("Unknown pipeline run.");
