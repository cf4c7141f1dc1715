"use server";

import { formAction } from "@/lib/actions/client";
import { SafeError } from "@/lib/actions/safe-error";
import { ruleSpecSchema } from "./rules";
import { createDatasetFormSchema, deleteRuleSchema, referenceVersionFormSchema, ruleFormSchema, type RuleForm } from "./schemas";
import { addRule, createDataset, datasetUrl, deleteRule, registerReference } from "./service";

const projectScope = (raw: Record<string, string>) => ({ projectSlug: raw.projectSlug ?? "" });

export const createDatasetAction = formAction({
  permission: "datasets.write",
  scope: projectScope,
  input: createDatasetFormSchema,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const dataset = await createDataset(db, auth.actor, project, input);
    return { redirectTo: datasetUrl(project, dataset.name), revalidate: [`/projects/${project.slug}/datasets`] };
  },
});

export const registerReferenceAction = formAction({
  permission: "datasets.write",
  scope: projectScope,
  input: referenceVersionFormSchema,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    const created = await registerReference(db, auth.actor, project, input.datasetName, input);
    return { redirectTo: created.url, revalidate: [datasetUrl(project, input.datasetName)] };
  },
});

/** Flat form fields → a rule spec, validated by the same schema the API would use. */
function ruleSpecFromForm(form: RuleForm) {
  const values = form.values
    .split(/[\n,]/)
    .map((v) => v.trim())
    .filter(Boolean);
  const candidate = {
    kind: form.kind,
    severity: form.severity,
    column: form.column || undefined,
    type: form.type || undefined,
    max: form.kind === "max_null_fraction" && form.maxNullPercent !== undefined ? form.maxNullPercent / 100 : form.max,
    min: form.min,
    values: form.kind === "allowed_values" ? [...new Set(values)] : undefined,
  };
  const parsed = ruleSpecSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path[0] === "max" && form.kind === "max_null_fraction" ? "maxNullPercent" : String(issue?.path[0] ?? "kind");
    throw new SafeError(issue?.message ?? "Invalid rule.", 400, field);
  }
  return parsed.data;
}

export const addRuleAction = formAction({
  permission: "datasets.write",
  scope: projectScope,
  input: ruleFormSchema,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    await addRule(db, auth.actor, project, input.datasetName, ruleSpecFromForm(input));
    return { message: "Rule added. It applies to every new version.", revalidate: [datasetUrl(project, input.datasetName)] };
  },
});

export const deleteRuleAction = formAction({
  permission: "datasets.write",
  scope: projectScope,
  input: deleteRuleSchema,
  run: async ({ db, auth, input }) => {
    const project = auth.project!;
    await deleteRule(db, auth.actor, project, input.datasetName, input.ruleId);
    return { message: "Rule removed.", revalidate: [datasetUrl(project, input.datasetName)] };
  },
});
