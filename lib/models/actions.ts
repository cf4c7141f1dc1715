"use server";

import { z } from "zod";
import { formAction } from "@/lib/actions/client";
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

export const approvePromotionAction = formAction({
  permission: "promotions.decide",
  scope: projectScope,
  input: approveSchema.extend(decision),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    await approvePromotion(db, auth.actor, model, input.requestId, input.reason);
    return { message: "Approved: the version is now current.", revalidate: revalidateAll(project.slug, model.name, input.requestId) };
  },
});

export const rejectPromotionAction = formAction({
  permission: "promotions.decide",
  scope: projectScope,
  input: rejectSchema.extend(decision),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    await rejectPromotion(db, auth.actor, model, input.requestId, input.reason);
    return { message: "Rejected.", revalidate: revalidateAll(project.slug, model.name, input.requestId) };
  },
});

export const overrideGatesAction = formAction({
  permission: "promotions.decide",
  scope: projectScope,
  input: overrideSchema.extend(decision),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    await overrideGates(db, auth.actor, model, input.requestId, input.reason);
    return { message: "Gates overridden: the request now waits for approval.", revalidate: revalidateAll(project.slug, model.name, input.requestId) };
  },
});

export const withdrawPromotionAction = formAction({
  permission: "promotions.request",
  scope: projectScope,
  input: z.object({ ...decision, reason: z.preprocess(emptyToUndefined, withdrawSchema.shape.reason) }),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    await withdrawPromotion(db, auth.actor, model, input.requestId, input.reason);
    return { message: "Request withdrawn.", revalidate: revalidateAll(project.slug, model.name, input.requestId) };
  },
});

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
