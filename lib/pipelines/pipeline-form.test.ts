import { describe, expect, it } from "vitest";
import { paramKeyField, paramValueField } from "@/lib/runs/launch-form-fields";
import { formFieldsOf, newPipelineValues, pipelineFormSchema, pipelineValues, startRunFormSchema, type PipelineFormValues } from "./pipeline-form";

// The pipeline form's flat fields → pipelineInputSchema, with every problem named after its field.

const columns = [
  { name: "tenure", type: "integer" },
  { name: "churned", type: "boolean" },
];
const defaults = newPipelineValues(["churn-classifier"], [{ name: "subscribers", latestColumns: columns }]);
const fields = (patch: Partial<PipelineFormValues> = {}, extra: Record<string, string> = {}) => ({ ...formFieldsOf({ ...defaults, ...patch }), ...extra });

function errorsOf(raw: Record<string, string>): Record<string, string> {
  const r = pipelineFormSchema.safeParse(raw);
  if (r.success) throw new Error("expected the form to be refused");
  const out: Record<string, string> = {};
  for (const issue of r.error.issues) out[String(issue.path[0])] = [out[String(issue.path[0])], issue.message].filter(Boolean).join(" ");
  return out;
}

describe("pipeline form", () => {
  it("starts from working defaults: the example trainer, new data, staging, enabled", () => {
    expect(defaults).toMatchObject({
      name: "churn-classifier-retrain",
      model: "churn-classifier",
      dataset: "subscribers",
      triggerDatasetVersion: true,
      triggerSchedule: false,
      promoteStaging: true,
      promoteProduction: false,
      enabled: true,
      cluster: "any",
    });
    expect(defaults.command).toContain('ferry-example-train --data "$FERRY_DATASET_PATH" --target churned --epochs {epochs}');
    const r = pipelineFormSchema.parse(fields());
    expect(r.existing).toBeNull();
    expect(r.pipeline).toEqual({
      name: "churn-classifier-retrain",
      description: "",
      model: "churn-classifier",
      dataset: "subscribers",
      template: {
        command: defaults.command,
        params: { epochs: "30", lr: "0.1", class_weight: "balanced" },
        gpus: { count: 0, type: null },
        cluster: null,
        code: null,
        priority: 0,
      },
      artifactPath: "model",
      promoteTo: ["staging"],
      triggers: { datasetVersion: true, schedule: null, driftAlert: false },
      enabled: true,
    });
  });

  it("asks for the target when the dataset's columns are unknown", () => {
    const v = newPipelineValues([], []);
    expect(v.model).toBe("");
    expect(v.command).toContain("--target {target}");
    expect(v.params[0]).toEqual({ key: "target", value: "" });
  });

  it("takes every trigger, both environments, git code, GPUs and a cluster", () => {
    const r = pipelineFormSchema.parse(
      fields(
        {
          triggerSchedule: true,
          cron: " 0 3 * * * ",
          triggerDriftAlert: true,
          promoteProduction: true,
          codeKind: "git",
          codeRepo: "https://github.com/acme/churn.git",
          codeCommit: "ABCDEF1",
          gpuCount: "2",
          gpuType: "h100",
          cluster: "GPU-A",
          artifactPath: "/classifier/",
          enabled: false,
        },
        { existing: "old-name" },
      ),
    );
    expect(r.existing).toBe("old-name");
    expect(r.pipeline.triggers).toEqual({ datasetVersion: true, schedule: "0 3 * * *", driftAlert: true });
    expect(r.pipeline.promoteTo).toEqual(["staging", "production"]);
    expect(r.pipeline.template).toMatchObject({ code: { repo: "https://github.com/acme/churn.git", commit: "abcdef1" }, gpus: { count: 2, type: "h100" }, cluster: "gpu-a" });
    expect(r.pipeline.artifactPath).toBe("classifier");
    expect(r.pipeline.enabled).toBe(false);
  });

  it("ignores the cron field while the schedule is unticked", () => {
    expect(pipelineFormSchema.parse(fields({ triggerSchedule: false, cron: "not a cron" })).pipeline.triggers.schedule).toBeNull();
  });

  const bad: [string, Partial<PipelineFormValues>, Record<string, string>, string, RegExp][] = [
    ["an empty name", { name: " " }, {}, "name", /Enter a pipeline name/],
    ["a name with spaces", { name: "my pipeline" }, {}, "name", /letters, digits/],
    ["no model", { model: "" }, {}, "model", /Choose the model/],
    ["no dataset", { dataset: "" }, {}, "dataset", /Choose the dataset/],
    ["a four-field cron", { triggerSchedule: true, cron: "0 3 * *" }, {}, "cron", /it has 4 fields, a schedule needs 5/],
    ["an impossible cron", { triggerSchedule: true, cron: "99 3 * * *" }, {}, "cron", /is not a cron expression/],
    ["a ticked schedule without a cron", { triggerSchedule: true, cron: "  " }, {}, "cron", /Enter a cron schedule/],
    ["no environment to request", { promoteStaging: false, promoteProduction: false }, {}, "promoteTo", /staging, production or both/],
    ["an artifact path climbing out", { artifactPath: "../model" }, {}, "artifactPath", /no empty, '\.' or '\.\.' segments/],
    ["an artifact path the register step would refuse", { artifactPath: "./model" }, {}, "artifactPath", /no empty, '\.' or '\.\.' segments/],
    ["an artifact path with an empty segment", { artifactPath: "a//b" }, {}, "artifactPath", /no empty, '\.' or '\.\.' segments/],
    ["an artifact path with spaces", { artifactPath: "my model" }, {}, "artifactPath", /artifact path/],
    ["an empty command", { command: "  " }, {}, "command", /Enter the command to run/],
    ["a git repo without a commit", { codeKind: "git", codeRepo: "https://github.com/acme/x.git", codeCommit: "" }, {}, "codeCommit", /commit hash/],
    ["a malformed image", { codeKind: "image", codeImage: "Not An Image" }, {}, "codeImage", /container image reference/],
    ["a negative GPU count", { gpuCount: "-1" }, {}, "gpuCount", /cannot be negative/],
    ["a malformed GPU type", { gpuCount: "1", gpuType: "H 100!" }, {}, "gpuType", /GPU type/],
    ["an out-of-range priority", { priority: "500" }, {}, "priority", /between -100 and 100/],
    ["a parameter listed twice", {}, { [paramKeyField(3)]: "lr", [paramValueField(3)]: "0.5" }, "params", /"lr" is listed twice/],
    ["a placeholder left empty", { params: [{ key: "epochs", value: "" }, { key: "lr", value: "0.1" }, { key: "class_weight", value: "x" }] }, {}, "params", /Give the parameter "epochs" a value/],
  ];
  for (const [what, patch, extra, field, message] of bad) {
    it(`refuses ${what} on "${field}"`, () => {
      const errors = errorsOf(fields(patch, extra));
      expect(errors[field]).toMatch(message);
      expect(Object.keys(errors)).toEqual([field]);
    });
  }

  it("reports template and pipeline problems at once", () => {
    const errors = errorsOf(fields({ name: "", command: "", triggerSchedule: true, cron: "x", promoteStaging: false }));
    expect(Object.keys(errors).sort()).toEqual(["command", "cron", "name", "promoteTo"]);
  });

  it("refills the edit form from a saved pipeline, and saves it back unchanged", () => {
    const saved = pipelineFormSchema.parse(
      fields({ triggerSchedule: true, cron: "*/30 * * * *", promoteProduction: true, codeKind: "image", codeImage: "ghcr.io/acme/train:1.4", gpuCount: "1", priority: "7" }),
    ).pipeline;
    const values = pipelineValues({
      ...saved,
      model: { name: saved.model },
      dataset: { name: saved.dataset },
      triggers: [
        { kind: "dataset_version", cron: null },
        { kind: "schedule", cron: saved.triggers.schedule },
      ],
    });
    expect(values).toMatchObject({ triggerSchedule: true, cron: "*/30 * * * *", codeKind: "image", codeImage: "ghcr.io/acme/train:1.4", priority: "7", promoteProduction: true });
    expect(pipelineFormSchema.parse(formFieldsOf(values)).pipeline).toEqual(saved);
  });
});

describe("run now form", () => {
  it("takes override rows and a dataset version number; blank rows and an empty version are nothing", () => {
    const r = startRunFormSchema.parse({
      pipeline: "nightly",
      datasetVersion: "3",
      [paramKeyField(0)]: "epochs",
      [paramValueField(0)]: "5",
      [paramKeyField(1)]: "",
      [paramValueField(1)]: "",
    });
    expect(r).toEqual({ pipeline: "nightly", run: { params: { epochs: "5" }, datasetVersion: 3 } });
    expect(startRunFormSchema.parse({ pipeline: "nightly", datasetVersion: "" }).run).toEqual({ params: {}, datasetVersion: null });
  });

  it("names the field of each problem", () => {
    const r = startRunFormSchema.safeParse({ pipeline: "nightly", datasetVersion: "v2", [paramKeyField(0)]: "", [paramValueField(0)]: "5" });
    expect(r.success).toBe(false);
    const byField = Object.fromEntries((r.error?.issues ?? []).map((i) => [String(i.path[0]), i.message]));
    expect(byField).toEqual({ params: "Parameter 1 has a value but no name.", datasetVersion: "Choose a dataset version from the list." });
  });
});
