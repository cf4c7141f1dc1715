import { z } from "zod";
import { gpuTypeSchema } from "@/lib/agent/protocol";
import { placeholdersOf } from "./placeholders";

// The launch of a training run: the same rules for the browser form and POST /api/v1/projects/{slug}/runs.

const paramKey = z
  .string()
  .trim()
  .min(1, "Parameter names cannot be empty.")
  .max(250, "Parameter names have at most 250 characters.")
  .regex(/^[\p{L}\p{N}_\-. :/]+$/u, "Parameter names: letters, digits, '_', '-', '.', ' ', ':' and '/'.");

export const gitRepoSchema = z
  .string()
  .trim()
  .max(2000)
  .refine(
    (v) => /^(https?|ssh|git|file):\/\/\S+$/.test(v) || /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/.test(v),
    "A git repository URL: https://…, ssh://…, git@host:org/repo.git or file:///path.",
  );

export const commitSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[0-9a-f]{7,40}$/, "A commit hash (7 to 40 hexadecimal characters), so the run can be traced to its exact code.");

export const imageSchema = z
  .string()
  .trim()
  .max(255)
  .regex(
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$/,
    "A container image reference, e.g. ghcr.io/acme/train:1.4 or registry/image@sha256:….",
  );

export const launchRunSchema = z.object({
  name: z
    .string()
    .trim()
    .max(250, "At most 250 characters.")
    .optional()
    .transform((v) => v || undefined),
  command: z.string().trim().min(1, "Enter the command to run.").max(8000, "At most 8,000 characters."),
  params: z
    .record(paramKey, z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v)))
    .optional()
    .default({})
    .refine((p) => Object.keys(p).length <= 100, "At most 100 parameters.")
    .refine((p) => Object.values(p).every((v) => v.length <= 6000), "Parameter values have at most 6,000 characters."),
  gpus: z
    .object({
      count: z.number({ message: "GPU count: a whole number." }).int("GPU count: a whole number.").min(0, "GPU count cannot be negative.").max(64, "At most 64 GPUs per run."),
      type: gpuTypeSchema.optional().nullable(),
    })
    .default({ count: 0 }),
  /** A cluster name; omitted, empty or "any": any cluster with the GPUs asked for. */
  cluster: z
    .string()
    .trim()
    .max(40)
    .optional()
    .nullable()
    .transform((v) => (!v || v.toLowerCase() === "any" ? null : v.toLowerCase())),
  datasetVersion: z
    .object({
      dataset: z.string().trim().min(1, "Choose a dataset.").max(100),
      version: z.number({ message: "Dataset version: a number." }).int().min(1, "Dataset version: 1 or more."),
    })
    .optional()
    .nullable(),
  code: z
    .union([z.object({ repo: gitRepoSchema, commit: commitSchema }).strict(), z.object({ image: imageSchema }).strict()], {
      message: "code: either {repo, commit} or {image}.",
    })
    .optional()
    .nullable(),
  priority: z.number().int().min(-100, "Priority between -100 and 100.").max(100, "Priority between -100 and 100.").optional().default(0),
}).superRefine((input, ctx) => {
  // A placeholder that would become '' is almost always a forgotten value, and the job would fail late.
  for (const key of placeholdersOf(input.command)) {
    if (input.params[key] === "") ctx.addIssue({ code: "custom", path: ["params"], message: `Give the parameter "${key}" a value: the command uses {${key}}.` });
  }
});
export type LaunchRunInput = z.infer<typeof launchRunSchema>;
export type LaunchRunBody = z.input<typeof launchRunSchema>;

export const logsQuerySchema = z.object({
  after: z.coerce.number().int().min(0).optional(),
  tail: z.coerce.number().int().min(1).max(5000).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
});

export const runIdSchema = z.string().regex(/^[0-9a-f]{32}$/, "Unknown run.");
