"use client";

import { gpuTypeLabel } from "@/components/clusters/format";
import { Field } from "@/components/ui/field";
import { cn } from "@/lib/cn";

// GPU count, GPU type and cluster of a training run: the launch form's and the pipeline form's
// "where to run" fields, with the same names, so both forms' values go through launchRunSchema.

type Change = (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => void;

export interface GpuClusterFieldsProps {
  /** Prefix of the fields' ids ("launch", "pipeline"). */
  idPrefix: string;
  values: { gpuCount: string; gpuType: string; cluster: string };
  onChange: (field: "gpuCount" | "gpuType" | "cluster") => Change;
  errors?: Partial<Record<"gpuCount" | "gpus" | "gpuType" | "cluster", string[]>>;
  /** The GPU types registered clusters report. */
  gpuTypes: string[];
  /** The registered clusters, each with how the select shows it. */
  clusters: { name: string; label: string }[];
  hints: { cpu: string; gpuType: string; gpuTypeCpu: string };
}

export function GpuClusterFields({ idPrefix, values, onChange, errors, gpuTypes, clusters, hints }: GpuClusterFieldsProps) {
  const cpu = (Number(values.gpuCount) || 0) === 0;
  return (
    <>
      <Field id={`${idPrefix}-gpu-count`} label="GPU count" errors={[...(errors?.gpuCount ?? []), ...(errors?.gpus ?? [])]} hint={hints.cpu}>
        {(p) => <input {...p} name="gpuCount" type="number" min={0} max={64} step={1} value={values.gpuCount} onChange={onChange("gpuCount")} className={cn(p.className, "tabular-nums")} />}
      </Field>
      <Field id={`${idPrefix}-gpu-type`} label="GPU type" errors={errors?.gpuType} hint={cpu ? hints.gpuTypeCpu : hints.gpuType}>
        {(p) => (
          <select {...p} name="gpuType" value={values.gpuType} onChange={onChange("gpuType")} disabled={cpu}>
            <option value="">Any type</option>
            {gpuTypes.map((t) => (
              <option key={t} value={t}>
                {gpuTypeLabel(t)}
              </option>
            ))}
            {values.gpuType && !gpuTypes.includes(values.gpuType) && <option value={values.gpuType}>{gpuTypeLabel(values.gpuType)} (no cluster has it)</option>}
          </select>
        )}
      </Field>
      <Field id={`${idPrefix}-cluster`} label="Cluster" errors={errors?.cluster}>
        {(p) => (
          <select {...p} name="cluster" value={values.cluster} onChange={onChange("cluster")}>
            <option value="any">Any cluster that fits</option>
            {clusters.map((c) => (
              <option key={c.name} value={c.name}>
                {c.label}
              </option>
            ))}
            {values.cluster !== "any" && !clusters.some((c) => c.name === values.cluster) && <option value={values.cluster}>{values.cluster} (not registered)</option>}
          </select>
        )}
      </Field>
    </>
  );
}
