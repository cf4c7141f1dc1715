import { execFile } from "node:child_process";
import os from "node:os";
import { gpuTypeSchema, type Inventory } from "./protocol";

// What the agent tells the server about its machine, and how the server's GPU numbering maps onto
// real devices. The server numbers the GPUs of each type 0..count-1; CUDA wants device indices.

export interface GpuGroup {
  type: string;
  memoryMb: number | null;
  /** Device indices (CUDA_VISIBLE_DEVICES numbering) of this type's GPUs, in server index order. */
  devices: number[];
}

/** A declaration or detection that cannot be used; the message is for the person running the agent. */
export class GpuSpecError extends Error {}

const VENDOR_WORDS = new Set(["nvidia", "tesla", "geforce", "quadro"]);

/** Short lowercase type of an nvidia-smi GPU name: "NVIDIA A100-SXM4-40GB" → "a100", "NVIDIA GeForce RTX 4090" → "rtx4090". */
export function normaliseGpuName(name: string): string {
  const words = name.toLowerCase().split(/\s+/).filter((w) => w && !VENDOR_WORDS.has(w));
  let type = (words[0] ?? "").split("-")[0] ?? "";
  // Consumer and workstation cards put the model in the second word: "RTX 4090", "GTX 1080", "RTX A6000".
  if (["rtx", "gtx", "titan"].includes(type) && words[1]) {
    const model = words[1].split("-")[0]!;
    type = /^\d/.test(model) ? type + model : model;
  }
  // Model names carry a number (h100, t4, rtx4090); a word without one is not a model name.
  if (/\d/.test(type) && gpuTypeSchema.safeParse(type).success) return type;
  return slug(name);
}

function slug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[^a-z0-9]+/, "").slice(0, 40).replace(/-+$/, "");
  return s || "gpu";
}

/** Parses `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(output: string): GpuGroup[] {
  const groups = new Map<string, GpuGroup>();
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const fields = line.split(",").map((f) => f.trim());
    // The name may itself hold commas in theory: index first, memory last, name in between.
    const index = Number(fields[0]);
    const memory = Number(fields[fields.length - 1]);
    const name = fields.slice(1, -1).join(",");
    if (fields.length < 3 || !Number.isInteger(index) || !name) throw new GpuSpecError(`unexpected nvidia-smi line: "${line}"`);
    const type = normaliseGpuName(name);
    const group = groups.get(type) ?? { type, memoryMb: Number.isFinite(memory) ? Math.round(memory) : null, devices: [] };
    group.devices.push(index);
    groups.set(type, group);
  }
  return [...groups.values()];
}

/** Parses a declaration `type:count[:memoryMb],...` ("none" or "" for no GPUs); devices are numbered in order. */
export function parseGpuSpec(spec: string): GpuGroup[] {
  const text = spec.trim();
  if (text === "" || text === "none") return [];
  const groups: GpuGroup[] = [];
  let next = 0;
  for (const part of text.split(",")) {
    const [rawType = "", rawCount = "", rawMemory, ...rest] = part.trim().split(":");
    const type = gpuTypeSchema.safeParse(rawType);
    if (!type.success || rest.length) throw new GpuSpecError(`"${part}" is not type:count[:memoryMb] (e.g. h100:4:81920)`);
    if (!/^\d+$/.test(rawCount)) throw new GpuSpecError(`the count in "${part}" must be a whole number`);
    if (rawMemory !== undefined && !/^\d+$/.test(rawMemory)) throw new GpuSpecError(`the memory in "${part}" must be a whole number of MB`);
    if (groups.some((g) => g.type === type.data)) throw new GpuSpecError(`GPU type "${type.data}" is declared twice`);
    const count = Number(rawCount);
    groups.push({ type: type.data, memoryMb: rawMemory === undefined ? null : Number(rawMemory), devices: Array.from({ length: count }, (_, i) => next + i) });
    next += count;
  }
  return groups;
}

/**
 * Device indices for a job's GPUs: the server's `indices` count within the job's GPU type.
 * E.g. with h100:4,a100:2, a100 index 1 is device 5.
 */
export function deviceIndices(groups: GpuGroup[], type: string | null, indices: number[]): number[] {
  if (indices.length === 0) return [];
  const group = groups.find((g) => g.type === type);
  if (!group) throw new GpuSpecError(`this machine has no GPUs of type "${type}"`);
  return indices.map((i) => {
    const device = group.devices[i];
    if (device === undefined) throw new GpuSpecError(`GPU ${type} #${i} does not exist here (this machine has ${group.devices.length})`);
    return device;
  });
}

/** Runs nvidia-smi; no binary means no GPUs. */
export function detectGpus(): Promise<GpuGroup[]> {
  return new Promise((resolve, reject) => {
    execFile("nvidia-smi", ["--query-gpu=index,name,memory.total", "--format=csv,noheader,nounits"], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === "ENOENT") return resolve([]);
      if (error) return reject(new GpuSpecError(`nvidia-smi failed: ${stderr.trim() || error.message}. Declare the GPUs with --gpus instead.`));
      try {
        resolve(parseNvidiaSmi(stdout));
      } catch (e) {
        reject(e);
      }
    });
  });
}

export function inventoryOf(groups: GpuGroup[]): Inventory {
  return {
    gpus: groups.map((g) => ({ type: g.type, count: g.devices.length, memoryMb: g.memoryMb })),
    cpus: os.availableParallelism(),
    memoryMb: Math.round(os.totalmem() / (1024 * 1024)),
  };
}
