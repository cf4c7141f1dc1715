// The launch form's field names, initial values and small helpers, shared by the browser form and
// the server action. No zod here, so the form's client bundle stays small.

export const MAX_PARAM_ROWS = 100;
export const codeKinds = ["none", "git", "image"] as const;
export type CodeKind = (typeof codeKinds)[number];

export const paramKeyField = (i: number) => `params.${i}.key`;
export const paramValueField = (i: number) => `params.${i}.value`;

/** `dataset@version` in the dataset-version select; empty for none. */
export function datasetVersionValue(dataset: string, version: number): string {
  return `${dataset}@${version}`;
}

export function parseDatasetVersionValue(v: string): { dataset: string; version: number } | null | undefined {
  if (!v) return null;
  const at = v.lastIndexOf("@");
  const version = Number(v.slice(at + 1));
  if (at <= 0 || !Number.isInteger(version)) return undefined;
  return { dataset: v.slice(0, at), version };
}

// ---- initial values of the form -------------------------------------------------------------------

export interface LaunchFormValues {
  name: string;
  datasetVersion: string;
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
}

/** What getLaunchTemplate returns: the inputs of an earlier launch. */
export interface LaunchTemplate {
  name: string;
  command: string;
  params: Record<string, string>;
  gpuType: string | null;
  gpuCount: number;
  priority: number;
  cluster: string | null;
  codeRepo: string | null;
  codeCommit: string | null;
  codeImage: string | null;
  dataset: string | null;
  version: number | null;
}

export function valuesFromTemplate(t: LaunchTemplate): LaunchFormValues {
  return {
    name: t.name,
    datasetVersion: t.dataset && t.version ? datasetVersionValue(t.dataset, t.version) : "",
    codeKind: t.codeImage ? "image" : t.codeRepo ? "git" : "none",
    codeRepo: t.codeRepo ?? "",
    codeCommit: t.codeCommit ?? "",
    codeImage: t.codeImage ?? "",
    command: t.command,
    params: Object.entries(t.params).map(([key, value]) => ({ key, value })),
    gpuCount: String(t.gpuCount),
    gpuType: t.gpuType ?? "",
    cluster: t.cluster ?? "any",
    priority: String(t.priority),
  };
}

interface DatasetForDefaults {
  name: string;
  /** Newest first. */
  versions: { version: number; validation?: string }[];
  latestColumns: { name: string; type: string }[] | null;
}

/** The column a classifier most likely predicts: the last boolean column, else the last column. */
export function guessTarget(columns: { name: string; type: string }[] | null): string | null {
  if (!columns?.length) return null;
  return (columns.findLast((c) => c.type === "boolean") ?? columns.at(-1)!).name;
}

/**
 * A fresh form: with a dataset, its latest version that passed validation (else its latest) and a command for Ferry's example trainer
 * (lib/examples/train-cli.ts, on the PATH of jobs as ferry-example-train), so a first launch works as is.
 */
export function defaultValues(datasets: DatasetForDefaults[]): LaunchFormValues {
  const blank: LaunchFormValues = {
    name: "",
    datasetVersion: "",
    codeKind: "none",
    codeRepo: "",
    codeCommit: "",
    codeImage: "",
    command: "",
    params: [{ key: "", value: "" }],
    gpuCount: "0",
    gpuType: "",
    cluster: "any",
    priority: "0",
  };
  const dataset = datasets.find((d) => d.versions.length > 0);
  if (!dataset) return blank;
  const target = guessTarget(dataset.latestColumns);
  return {
    ...blank,
    datasetVersion: datasetVersionValue(dataset.name, (dataset.versions.find((v) => v.validation !== "fail") ?? dataset.versions[0]!).version),
    command: `ferry-example-train --data "$FERRY_DATASET_PATH" --target ${target ?? "{target}"} --epochs {epochs} --learning-rate {lr} --class-weight {class_weight}`,
    params: [
      ...(target ? [] : [{ key: "target", value: "" }]),
      { key: "epochs", value: "30" },
      { key: "lr", value: "0.1" },
      { key: "class_weight", value: "balanced" },
    ],
  };
}

