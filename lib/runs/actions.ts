"use server";

import { z } from "zod";
import { formAction } from "@/lib/actions/client";
import { runPageUrl } from "@/lib/tracking/views";
import { launchRunFormSchema } from "./launch-form";
import { runIdSchema } from "./schemas";
import { cancelRun, launchRun } from "./service";

const projectScope = (raw: Record<string, string>) => ({ projectSlug: raw.projectSlug ?? "" });

/** The launch form: flat fields → launchRunSchema; on success, the new run's page. */
export const launchRunAction = formAction({
  permission: "runs.write",
  scope: projectScope,
  input: launchRunFormSchema,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const run = await launchRun(db, auth.actor, project, input);
    return { redirectTo: runPageUrl(project.slug, run.id), revalidate: [`/projects/${project.slug}/runs`] };
  },
});

export const cancelRunAction = formAction({
  permission: "runs.write",
  scope: projectScope,
  input: z.object({ runId: runIdSchema }),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const { status } = await cancelRun(db, auth.actor, project, input.runId);
    return {
      data: { status },
      message: status === "cancelled" ? "Run cancelled." : "Cancel requested: the cluster's agent stops the job with its next heartbeat.",
      revalidate: [runPageUrl(project.slug, input.runId), `/projects/${project.slug}/runs`],
    };
  },
});
