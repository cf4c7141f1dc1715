"use server";

import { z } from "zod";
import { formAction } from "@/lib/actions/client";
import { stepLabels } from "./engine";
import { pipelineFormSchema, startRunFormSchema } from "./pipeline-form";
import { pipelineRunIdSchema } from "./schemas";
import { cancelPipelineRun, deletePipeline, pipelineRunUrl, pipelineUrl, requirePipeline, retryPipelineStep, savePipeline, setPipelineEnabled, startPipelineRun } from "./service";

const projectScope = (raw: Record<string, string>) => ({ projectSlug: raw.projectSlug ?? "" });
const pipelinesUrl = (slug: string) => `/projects/${slug}/pipelines`;
const pipelineField = { pipeline: z.string({ message: "Unknown pipeline." }).trim().min(1, "Unknown pipeline.").max(200) };

/** The create and edit forms (edit sends the pipeline's current name as `existing`); on success, the pipeline's page. */
export const savePipelineAction = formAction({
  permission: "pipelines.manage",
  scope: projectScope,
  input: pipelineFormSchema,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const saved = await savePipeline(db, auth.actor, project, input.pipeline, input.existing ?? undefined);
    const revalidate = [pipelinesUrl(project.slug), pipelineUrl(project, saved.name)];
    if (input.existing) revalidate.push(pipelineUrl(project, input.existing));
    return { redirectTo: pipelineUrl(project, saved.name), revalidate };
  },
});

export const deletePipelineAction = formAction({
  permission: "pipelines.manage",
  scope: projectScope,
  input: z.object(pipelineField),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    await deletePipeline(db, auth.actor, project, input.pipeline);
    return { redirectTo: pipelinesUrl(project.slug), revalidate: [pipelinesUrl(project.slug)] };
  },
});

/** Pause or resume a pipeline's triggers; its owner stays the same (setPipelineEnabled). */
export const setPipelineEnabledAction = formAction({
  permission: "pipelines.manage",
  scope: projectScope,
  input: z.object({ ...pipelineField, enabled: z.enum(["true", "false"]).transform((v) => v === "true") }),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const p = await requirePipeline(db, project, input.pipeline);
    await setPipelineEnabled(db, auth.actor, project, p.name, input.enabled);
    return {
      message: input.enabled ? "Enabled: its triggers start runs again, from now on." : "Disabled: its triggers no longer start runs. You can still run it by hand.",
      revalidate: [pipelinesUrl(project.slug), pipelineUrl(project, p.name)],
    };
  },
});

/** "Run now": a manual run with optional parameter overrides and dataset version; on success, the run's page. */
export const startPipelineRunAction = formAction({
  permission: "pipelines.run",
  scope: projectScope,
  input: startRunFormSchema,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const run = await startPipelineRun(db, auth.actor, project, input.pipeline, input.run, "manual");
    return { redirectTo: pipelineRunUrl(project, input.pipeline, run.id), revalidate: [pipelinesUrl(project.slug), pipelineUrl(project, input.pipeline)] };
  },
});

const runFields = z.object({ ...pipelineField, runId: pipelineRunIdSchema });

export const cancelPipelineRunAction = formAction({
  permission: "pipelines.run",
  scope: projectScope,
  input: runFields,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    await cancelPipelineRun(db, auth.actor, project, input.pipeline, input.runId);
    return {
      message: "Run cancelled. A training run it had started is cancelled too.",
      revalidate: [pipelinesUrl(project.slug), pipelineUrl(project, input.pipeline), pipelineRunUrl(project, input.pipeline, input.runId)],
    };
  },
});

export const retryPipelineStepAction = formAction({
  permission: "pipelines.run",
  scope: projectScope,
  input: runFields,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const { step, attempt } = await retryPipelineStep(db, auth.actor, project, input.pipeline, input.runId);
    return {
      data: { step, attempt },
      message: `Retrying "${stepLabels[step]}" (try ${attempt}); the steps after it run again too.`,
      revalidate: [pipelinesUrl(project.slug), pipelineUrl(project, input.pipeline), pipelineRunUrl(project, input.pipeline, input.runId)],
    };
  },
});
