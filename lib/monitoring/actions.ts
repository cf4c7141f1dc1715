"use server";

import { z } from "zod";
import { formAction } from "@/lib/actions/client";
import { modelNameSchema } from "@/lib/models/schemas";
import { requireModel } from "@/lib/models/service";
import { setAlertStatus, setWebhook } from "./alerts";
import { createIngestTokenSchema } from "./schemas";
import { createIngestToken } from "./service";
import { monitoringSettingsUrl, monitoringUrl, revokeIngestToken, setMonitoringSettings } from "./settings";
import { monitoringSettingsSchema } from "./settings-schemas";

const projectScope = (raw: Record<string, string>) => ({ projectSlug: raw.projectSlug ?? "" });
const pages = (slug: string, model: string) => [monitoringSettingsUrl(slug, model), monitoringUrl(slug, model)];

/** A new ingest token: the clear token goes back to the browser this once, in `data`. */
export const createIngestTokenAction = formAction({
  permission: "gates.edit",
  scope: projectScope,
  input: createIngestTokenSchema.extend({ modelName: modelNameSchema }),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    const created = await createIngestToken(db, auth.actor, model, input.name);
    return { data: { id: created.id, name: input.name, displayPrefix: created.displayPrefix, token: created.token }, revalidate: pages(project.slug, model.name) };
  },
});

export const revokeIngestTokenAction = formAction({
  permission: "gates.edit",
  scope: projectScope,
  input: z.object({ modelName: modelNameSchema, tokenId: z.uuid("Unknown ingest token.") }),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    const token = await revokeIngestToken(db, auth.actor, model, input.tokenId);
    return { message: `Token "${token.name}" revoked.`, revalidate: pages(project.slug, model.name) };
  },
});

/** The reference as one select value ("subscribers@3", "" for the default) and the column editor's rows as JSON. */
export const updateMonitoringSettingsAction = formAction({
  permission: "gates.edit",
  scope: projectScope,
  input: monitoringSettingsSchema,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    const settings = await setMonitoringSettings(db, auth.actor, model, { referenceDataset: input.reference, columns: input.columns });
    const ref = settings.effectiveReference;
    const against = ref ? `${ref.dataset} v${ref.version}` : "the training data of the production version, once there is one";
    return { message: `Saved. New batches are compared with ${against}.`, revalidate: pages(project.slug, model.name) };
  },
});

const alertInput = z.object({
  modelName: modelNameSchema,
  alertId: z.uuid("Unknown alert."),
  // An empty note from the form means none.
  note: z
    .string()
    .trim()
    .max(2000, "Keep the note under 2,000 characters.")
    .optional()
    .transform((v) => v || undefined),
});

export const acknowledgeAlertAction = formAction({
  permission: "gates.edit",
  scope: projectScope,
  input: alertInput,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    await setAlertStatus(db, auth.actor, model, input.alertId, "acknowledged", input.note);
    return { message: "Alert acknowledged.", revalidate: pages(project.slug, model.name) };
  },
});

export const resolveAlertAction = formAction({
  permission: "gates.edit",
  scope: projectScope,
  input: alertInput,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    await setAlertStatus(db, auth.actor, model, input.alertId, "resolved", input.note);
    return { message: "Alert resolved.", revalidate: pages(project.slug, model.name) };
  },
});

const webhookUrlSchema = z
  .string()
  .trim()
  .max(2000, "Keep the webhook URL under 2,000 characters.")
  .refine((v) => v === "" || (/^https?:\/\//i.test(v) && URL.canParse(v)), "Give the webhook as an http(s) URL, e.g. https://hooks.example.com/ferry.");

/** Sets the model's alert webhook; an empty URL removes it. Private targets come back as a field error on "url". */
export const setWebhookAction = formAction({
  permission: "gates.edit",
  scope: projectScope,
  input: z.object({ modelName: modelNameSchema, url: webhookUrlSchema }),
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const model = await requireModel(db, project, input.modelName);
    await setWebhook(db, auth.actor, model, input.url || null);
    const message = input.url ? `Saved. Alerts of ${model.name} are now POSTed to ${new URL(input.url).host}.` : "Webhook removed: alerts are no longer sent anywhere.";
    return { message, revalidate: pages(project.slug, model.name) };
  },
});
