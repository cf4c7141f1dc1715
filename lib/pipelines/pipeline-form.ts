import { z } from "zod";
import { launchRunFormSchema, paramsOf } from "@/lib/runs/launch-form";
import { guessTarget, paramKeyField, paramValueField, type CodeKind } from "@/lib/runs/launch-form-fields";
import { placeholdersOf } from "@/lib/runs/placeholders";
import { pipelineInputSchema, startPipelineRunSchema, type PipelineInput, type PipelineTemplate, type StartPipelineRunInput } from "./schemas";

// The browser's pipeline forms send flat fields; this turns them into the pipelineInputSchema and
// startPipelineRunSchema objects (the rules the HTTP API uses too) and names every problem after the
// form field that caused it. The training template's fields are the launch form's, parsed by it.

// ---- initial values (computed on the server, handed to the client form) -----------------------------

export interface PipelineFormValues {
  name: string;
  description: string;
  model: string;
  dataset: string;
  triggerDatasetVersion: boolean;
  triggerSchedule: boolean;
  cron: string;
  triggerDriftAlert: boolean;
  codeKind: CodeKind;
  codeRepo: string;
  codeCommit: string;
  codeImage: string;
  command: string;
  params: { key: string; value: string }[];
  gpuCount: string;
  gpuType: string;
  cluster: string;
  priority: string;
  artifactPath: string;
  promoteStaging: boolean;
  promoteProduction: boolean;
  enabled: boolean;
}

/**
 * A fresh form: the first model and dataset, "new dataset version" and staging ticked, and a command
 * for Ferry's example trainer (as the launch form's defaults), so a first pipeline works as is.
 */
export function newPipelineValues(models: string[], datasets: { name: string; latestColumns: { name: string; type: string }[] | null }[]): PipelineFormValues {
  const dataset = datasets[0];
  const target = guessTarget(dataset?.latestColumns ?? null);
  return {
    name: models[0] ? `${models[0]}-retrain` : "",
    description: "",
    model: models[0] ?? "",
    dataset: dataset?.name ?? "",
    triggerDatasetVersion: true,
    triggerSchedule: false,
    cron: "0 3 * * *",
    triggerDriftAlert: false,
    codeKind: "none",
    codeRepo: "",
    codeCommit: "",
    codeImage: "",
    command: `ferry-example-train --data "$FERRY_DATASET_PATH" --target ${target ?? "{target}"} --epochs {epochs} --learning-rate {lr} --class-weight {class_weight}`,
    params: [
      ...(target ? [] : [{ key: "target", value: "" }]),
      { key: "epochs", value: "30" },
      { key: "lr", value: "0.1" },
      { key: "class_weight", value: "balanced" },
    ],
    gpuCount: "0",
    gpuType: "",
    cluster: "any",
    priority: "0",
    artifactPath: "model",
    promoteStaging: true,
    promoteProduction: false,
    enabled: true,
  };
}

/** The form of a saved pipeline, for editing. */
export function pipelineValues(p: {
  name: string;
  description: string;
  model: { name: string };
  dataset: { name: string };
  triggers: { kind: "dataset_version" | "schedule" | "drift_alert"; cron: string | null }[];
  template: PipelineTemplate;
  artifactPath: string;
  promoteTo: ("staging" | "production")[];
  enabled: boolean;
}): PipelineFormValues {
  const code = p.template.code;
  const schedule = p.triggers.find((t) => t.kind === "schedule");
  const params = orderedParams(p.template.params, p.template.command).map(([key, value]) => ({ key, value }));
  return {
    name: p.name,
    description: p.description,
    model: p.model.name,
    dataset: p.dataset.name,
    triggerDatasetVersion: p.triggers.some((t) => t.kind === "dataset_version"),
    triggerSchedule: Boolean(schedule),
    cron: schedule?.cron ?? "0 3 * * *",
    triggerDriftAlert: p.triggers.some((t) => t.kind === "drift_alert"),
    codeKind: code && "image" in code ? "image" : code ? "git" : "none",
    codeRepo: code && "repo" in code ? code.repo : "",
    codeCommit: code && "commit" in code ? code.commit : "",
    codeImage: code && "image" in code ? code.image : "",
    command: p.template.command,
    params: params.length ? params : [{ key: "", value: "" }],
    gpuCount: String(p.template.gpus.count),
    gpuType: p.template.gpus.type ?? "",
    cluster: p.template.cluster ?? "any",
    priority: String(p.template.priority),
    artifactPath: p.artifactPath,
    promoteStaging: p.promoteTo.includes("staging"),
    promoteProduction: p.promoteTo.includes("production"),
    enabled: p.enabled,
  };
}

/**
 * Parameters in the order the command uses them, then the rest by name: stored as JSONB, they come
 * back in its key order, which is not the order they were typed in.
 */
export function orderedParams(params: Record<string, string>, command: string): [string, string][] {
  const used = placeholdersOf(command);
  const rank = (k: string) => (used.includes(k) ? used.indexOf(k) : used.length);
  return Object.entries(params).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

// ---- parsing ----------------------------------------------------------------------------------------

const text = z.string().optional().default("");
const ticked = (v: string) => v === "on" || v === "true";

const flatSchema = z
  .object({
    existing: text,
    name: text,
    description: text,
    model: text,
    dataset: text,
    triggerDatasetVersion: text,
    triggerSchedule: text,
    cron: text,
    triggerDriftAlert: text,
    artifactPath: text,
    promoteStaging: text,
    promoteProduction: text,
    enabled: text,
  })
  .loose();

/** Where each pipelineInputSchema path (outside the template) is shown in the form. */
function fieldOf(path: PropertyKey[]): string {
  const [head, sub] = path;
  if (head === "triggers") return sub === "schedule" ? "cron" : "triggers";
  return String(head ?? "_form");
}

const withoutTemplate = pipelineInputSchema.omit({ template: true });

/** The pipeline form: flat fields → { pipeline: PipelineInput, existing: the name being edited, or null }. */
export const pipelineFormSchema = flatSchema.transform((flat, ctx): { pipeline: PipelineInput; existing: string | null } => {
  // The training template: the launch form's fields, named and checked by the launch form's own parser.
  const launch = launchRunFormSchema.safeParse({ ...flat, name: "", datasetVersion: "" });
  if (!launch.success) {
    for (const issue of launch.error.issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  }
  const scheduled = ticked(flat.triggerSchedule);
  if (scheduled && !flat.cron.trim()) {
    ctx.addIssue({ code: "custom", path: ["cron"], message: 'Enter a cron schedule, e.g. "0 3 * * *" for 03:00 UTC every day, or untick "On a schedule".' });
  }
  const rest = {
    name: flat.name,
    description: flat.description,
    model: flat.model,
    dataset: flat.dataset,
    artifactPath: flat.artifactPath,
    promoteTo: [...(ticked(flat.promoteStaging) ? ["staging"] : []), ...(ticked(flat.promoteProduction) ? ["production"] : [])],
    triggers: {
      datasetVersion: ticked(flat.triggerDatasetVersion),
      schedule: scheduled && flat.cron.trim() ? flat.cron : null,
      driftAlert: ticked(flat.triggerDriftAlert),
    },
    enabled: ticked(flat.enabled),
  };
  const parsed = withoutTemplate.safeParse(rest);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: [fieldOf(issue.path)], message: issue.message });
  }
  if (!launch.success || !parsed.success || ctx.issues?.length) return z.NEVER;
  const { name: _name, datasetVersion: _dv, ...template } = launch.data;
  // The one schema the API uses too, over the whole object: the form cannot save what the API would refuse.
  const whole = pipelineInputSchema.safeParse({ ...rest, template });
  if (!whole.success) {
    for (const issue of whole.error.issues) ctx.addIssue({ code: "custom", path: [issue.path[0] === "template" ? "command" : fieldOf(issue.path)], message: issue.message });
    return z.NEVER;
  }
  const existing = flat.existing.trim();
  return { pipeline: whole.data, existing: existing || null };
});

/** "Run now": the pipeline's name, parameter override rows and an optional dataset version number. */
export const startRunFormSchema = z
  .object({ pipeline: z.string({ message: "Unknown pipeline." }).trim().min(1, "Unknown pipeline."), datasetVersion: text })
  .loose()
  .transform((flat, ctx): { pipeline: string; run: StartPipelineRunInput } => {
    const params = paramsOf(flat, ctx);
    const raw = flat.datasetVersion.trim();
    let version = raw === "" ? null : Number(raw);
    if (version !== null && !(Number.isInteger(version) && version >= 1)) {
      ctx.addIssue({ code: "custom", path: ["datasetVersion"], message: "Choose a dataset version from the list." });
      version = null;
    }
    const parsed = startPipelineRunSchema.safeParse({ params, datasetVersion: version });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: [issue.path[0] === "datasetVersion" ? "datasetVersion" : "params"], message: issue.message });
    }
    return parsed.success && !ctx.issues?.length ? { pipeline: flat.pipeline, run: parsed.data } : z.NEVER;
  });

/** The fields the browser form sends for these values (ticked checkboxes as "on", unticked ones absent). */
export function formFieldsOf(values: PipelineFormValues): Record<string, string> {
  const { params, ...rest } = values;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (typeof v === "boolean") {
      if (v) out[k] = "on";
    } else out[k] = v;
  }
  params.forEach((p, i) => {
    out[paramKeyField(i)] = p.key;
    out[paramValueField(i)] = p.value;
  });
  return out;
}
