"use server";

import { z } from "zod";
import type { Db } from "@/db";
import { formAction } from "@/lib/actions/client";
import type { Actor } from "@/lib/auth/authorize";
import { SafeError } from "@/lib/actions/safe-error";
import {
  approveSchema,
  environmentSchema,
  gateRulesSchema,
  modelNameSchema,
  overrideSchema,
  promotionRequestSchema,
  registerFromRunSchema,
  rejectSchema,
  requestIdSchema,
  rollbackSchema,
  withdrawSchema,
} from "./schemas";
import {
  approvePromotion,
  overrideGates,
  registerVersionFromRun,
  rejectPromotion,
  requestPromotion,
  requireModel,
  rollbackEnvironment,
  setGateRules,
  withdrawPromotion,
  type ModelRef,
} from "./service";
import { approvalsUrl, modelUrl, modelsUrl, requestUrl, versionUrl } from "./urls";

const projectScope = (raw: Record<string, string>) => ({ projectSlug: raw.projectSlug ?? "" });
const modelField = { modelName: modelNameSchema };
const emptyToUndefined = (v: unknown) => (v === "" ? undefined : v);

/** The run page's "Register model": on success, the new version's lineage page. */
export const registerVersionAction = formAction({
  permission: "models.register",
  scope: projectScope,
  input: registerFromRunSchema,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const { model, version } = await registerVersionFromRun(db, auth.actor, project, input);
    return { redirectTo: versionUrl(project.slug, model.name, version.version), revalidate: [modelsUrl(project.slug)] };
  },
});

export const requestPromotionAction = formAction({
  permission: "promotions.request",
  scope: projectScope,
  input: promotionRequestSchema.extend(modelField),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    const outcome = await requestPromotion(db, auth.actor, model, input);
    return { redirectTo: requestUrl(project.slug, model.name, outcome.id), revalidate: [modelUrl(project.slug, model.name), approvalsUrl] };
  },
});

const decision = { ...modelField, requestId: requestIdSchema };

/** One decision on a promotion request: authorize, find the model in the project, call the service. */
function decisionAction<S extends z.ZodType<{ modelName: string; requestId: string; reason?: string }>>(
  permission: "promotions.decide" | "promotions.request",
  input: S,
  decide: (db: Db, actor: Actor, model: ModelRef, requestId: string, reason: string | undefined) => Promise<unknown>,
  message: string,
) {
  return formAction({
    permission,
    scope: projectScope,
    input,
    run: async ({ db, auth, input }) => {
      const project = auth.project!;
      const model = await requireModel(db, project, input.modelName);
      await decide(db, auth.actor, model, input.requestId, input.reason);
      return { message, revalidate: revalidateAll(project.slug, model.name, input.requestId) };
    },
  });
}

export const approvePromotionAction = decisionAction(
  "promotions.decide",
  approveSchema.extend(decision),
  (db, actor, model, id, reason) => approvePromotion(db, actor, model, id, reason!),
  "Approved: the version is now current.",
);

export const rejectPromotionAction = decisionAction(
  "promotions.decide",
  rejectSchema.extend(decision),
  (db, actor, model, id, reason) => rejectPromotion(db, actor, model, id, reason!),
  "Rejected.",
);

export const overrideGatesAction = decisionAction(
  "promotions.decide",
  overrideSchema.extend(decision),
  (db, actor, model, id, reason) => overrideGates(db, actor, model, id, reason!),
  "Gates overridden: the request now waits for approval.",
);

export const withdrawPromotionAction = decisionAction(
  "promotions.request",
  z.object({ ...decision, reason: z.preprocess(emptyToUndefined, withdrawSchema.shape.reason) }),
  withdrawPromotion,
  "Request withdrawn.",
);

export const rollbackAction = formAction({
  permission: "deployments.rollback",
  scope: projectScope,
  input: z.object({ ...modelField, environment: environmentSchema, reason: rollbackSchema.shape.reason, fromVersion: z.preprocess(emptyToUndefined, rollbackSchema.shape.fromVersion) }),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    const r = await rollbackEnvironment(db, auth.actor, model, input.environment, input);
    return { message: `Rolled ${input.environment} back from version ${r.previousVersion} to version ${r.version}.`, revalidate: [modelUrl(project.slug, model.name), modelsUrl(project.slug)] };
  },
});

/** Gate rules arrive as one JSON field (the editor builds the list client-side). */
export const updateGatesAction = formAction({
  permission: "gates.edit",
  scope: projectScope,
  input: z.object({ ...modelField, rules: z.string().max(100_000) }),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    let raw: unknown;
    try {
      raw = JSON.parse(input.rules);
    } catch {
      throw new SafeError("The gate rules could not be read. Reload the page and try again.", 400, "rules");
    }
    const parsed = gateRulesSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = typeof issue.path[0] === "number" ? `Rule ${issue.path[0] + 1}: ` : "";
      throw new SafeError(`${where}${issue.message}`, 400, "rules");
    }
    await setGateRules(db, auth.actor, model, parsed.data);
    return { message: "Gates saved. They apply to new promotion requests.", revalidate: [modelUrl(project.slug, model.name)] };
  },
});

function revalidateAll(slug: string, name: string, requestId: string): string[] {
  return [modelUrl(slug, name), requestUrl(slug, name, requestId), approvalsUrl, modelsUrl(slug)];
}
