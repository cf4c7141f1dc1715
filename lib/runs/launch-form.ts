import { z } from "zod";
import { codeKinds, MAX_PARAM_ROWS, paramKeyField, paramValueField, parseDatasetVersionValue } from "./launch-form-fields";
import { commitSchema, gitRepoSchema, imageSchema, launchRunSchema, type LaunchRunInput } from "./schemas";

// The browser's launch form sends flat fields; this turns them into the launchRunSchema object (the
// one validation the API uses too) and names every problem after the form field that caused it.

const text = z.string().optional().default("");

const flatSchema = z
  .object({
    name: text,
    command: text,
    datasetVersion: text,
    codeKind: z.enum(codeKinds, { message: "Choose how the code is given." }).optional().default("none"),
    codeRepo: text,
    codeCommit: text,
    codeImage: text,
    gpuCount: text,
    gpuType: text,
    cluster: text,
    priority: text,
  })
  .loose();

/** Where each launchRunSchema path is shown in the form. */
function fieldOf(path: PropertyKey[]): string {
  const [head, sub] = path;
  if (head === "gpus") return sub === "type" ? "gpuType" : "gpuCount";
  if (head === "code") return sub === "repo" ? "codeRepo" : sub === "commit" ? "codeCommit" : sub === "image" ? "codeImage" : "codeKind";
  return String(head ?? "_form");
}

const toNumber = (v: string, empty: number) => (v.trim() === "" ? empty : Number(v.trim()));

/** Parameter rows in index order; blank rows are skipped. The pipeline forms read their rows with it too. */
export function paramsOf(raw: Record<string, unknown>, ctx: z.RefinementCtx): Record<string, string> {
  const params: Record<string, string> = {};
  for (let i = 0; i < MAX_PARAM_ROWS + 50; i++) {
    const key = raw[paramKeyField(i)];
    const value = raw[paramValueField(i)];
    if (key === undefined && value === undefined) continue;
    const k = typeof key === "string" ? key.trim() : "";
    const v = typeof value === "string" ? value : "";
    if (!k && !v.trim()) continue;
    if (!k) ctx.addIssue({ code: "custom", path: ["params"], message: `Parameter ${i + 1} has a value but no name.` });
    else if (k in params) ctx.addIssue({ code: "custom", path: ["params"], message: `Parameter "${k}" is listed twice.` });
    else params[k] = v;
  }
  return params;
}

export const launchRunFormSchema = flatSchema.transform((flat, ctx): LaunchRunInput => {
  const check = <T>(schema: z.ZodType<T>, value: string, field: string): T | undefined => {
    const r = schema.safeParse(value);
    if (!r.success) ctx.addIssue({ code: "custom", path: [field], message: r.error.issues[0]?.message ?? "Invalid value." });
    return r.success ? r.data : undefined;
  };
  let code: { repo: string; commit: string } | { image: string } | null = null;
  if (flat.codeKind === "git") {
    const repo = check(gitRepoSchema, flat.codeRepo, "codeRepo");
    const commit = check(commitSchema, flat.codeCommit, "codeCommit");
    if (repo !== undefined && commit !== undefined) code = { repo, commit };
  } else if (flat.codeKind === "image") {
    const image = check(imageSchema, flat.codeImage, "codeImage");
    if (image !== undefined) code = { image };
  }
  const datasetVersion = parseDatasetVersionValue(flat.datasetVersion.trim());
  if (datasetVersion === undefined) ctx.addIssue({ code: "custom", path: ["datasetVersion"], message: "Choose a dataset version from the list." });
  const params = paramsOf(flat, ctx);
  const gpuCount = toNumber(flat.gpuCount, 0);
  const priority = toNumber(flat.priority, 0);
  if (!Number.isFinite(priority)) ctx.addIssue({ code: "custom", path: ["priority"], message: "Priority: a whole number between -100 and 100." });
  const parsed = launchRunSchema.safeParse({
    name: flat.name,
    command: flat.command,
    params,
    gpus: { count: gpuCount, type: gpuCount > 0 && flat.gpuType.trim() && flat.gpuType !== "any" ? flat.gpuType : null },
    cluster: flat.cluster,
    datasetVersion: datasetVersion ?? null,
    code,
    priority: Number.isFinite(priority) ? priority : 0,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // A bad record key nests the key's own message (e.g. which characters a parameter name allows).
      const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
      ctx.addIssue({ code: "custom", path: [fieldOf(issue.path)], message });
    }
  }
  return parsed.success && !ctx.issues?.length ? parsed.data : z.NEVER;
});
