"use server";

import { z } from "zod";
import { formAction } from "@/lib/actions/client";
import { modelNameSchema } from "@/lib/models/schemas";
import { requireModel } from "@/lib/models/service";
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
