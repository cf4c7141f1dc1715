import { formatNumber } from "@/lib/format";

// Words for clusters and GPUs, shared by the clusters pages, the launch form and the run page.

export const executorLabels: Record<string, string> = { local: "Local processes", slurm: "Slurm", kubernetes: "Kubernetes" };

export const gpuTypeLabel = (type: string | null | undefined) => (type ? type.toUpperCase() : "GPU");

/** "2 × H100", "1 × any GPU", "CPU only". */
export function formatGpuAsk(count: number, type: string | null | undefined): string {
  if (count === 0) return "CPU only";
  return `${count} × ${type ? type.toUpperCase() : count === 1 ? "any GPU" : "GPUs of any one type"}`;
}

/** Costs carry no currency in Ferry's data; they are shown in dollars. */
export function formatCost(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  return `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function formatCostPerGpuHour(n: number | null | undefined): string {
  return n === null || n === undefined ? "Not set" : `${formatCost(n)} / GPU-hour`;
}

export function formatGpuHours(n: number): string {
  return `${formatNumber(Math.round(n * 100) / 100)} GPU-h`;
}

export function formatMemoryMb(mb: number | null | undefined): string {
  if (mb === null || mb === undefined) return "—";
  return mb >= 1024 ? `${formatNumber(Math.round((mb / 1024) * 10) / 10)} GB` : `${formatNumber(mb)} MB`;
}

interface GpuPoolLike {
  type: string;
  count: number;
  inUse: number;
  /** What the cluster's own scheduler has handed out to anyone (Slurm); null or absent: unknown. */
  allocated?: number | null;
}

/**
 * One line per GPU type: "3 of 8 H100 in use"; where the cluster's own scheduler reports its
 * allocation (Slurm), "5 of 8 H100 allocated, 2 by Ferry"; "CPU only" for hosts without GPUs.
 */
export function describeGpus(gpus: GpuPoolLike[], inventoryReported: boolean, executor = "local"): string[] {
  if (!inventoryReported) return ["Not reported yet"];
  if (gpus.length === 0) return ["CPU only"];
  return gpus.map((g) =>
    g.allocated === null || g.allocated === undefined || executor === "local"
      ? `${g.inUse} of ${g.count} ${gpuTypeLabel(g.type)} in use`
      : `${g.allocated} of ${g.count} ${gpuTypeLabel(g.type)} allocated, ${g.inUse} by Ferry`,
  );
}
