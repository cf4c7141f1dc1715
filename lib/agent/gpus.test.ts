import { describe, expect, it } from "vitest";
import { deviceIndices, GpuSpecError, normaliseGpuName, parseGpuSpec, parseNvidiaSmi } from "./gpus";

// Recorded from `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits`.
const DGX_H100 = `0, NVIDIA H100 80GB HBM3, 81559
1, NVIDIA H100 80GB HBM3, 81559
2, NVIDIA H100 80GB HBM3, 81559
3, NVIDIA H100 80GB HBM3, 81559
`;
const MIXED = `0, NVIDIA A100-SXM4-40GB, 40960
1, NVIDIA GeForce RTX 4090, 24564
2, NVIDIA A100-SXM4-40GB, 40960
`;

describe("GPU inventory", () => {
  it.each([
    ["NVIDIA H100 80GB HBM3", "h100"],
    ["NVIDIA A100-SXM4-40GB", "a100"],
    ["NVIDIA A100 80GB PCIe", "a100"],
    ["Tesla T4", "t4"],
    ["Tesla V100-SXM2-16GB", "v100"],
    ["NVIDIA L40S", "l40s"],
    ["NVIDIA A10G", "a10g"],
    ["NVIDIA GeForce RTX 4090", "rtx4090"],
    ["NVIDIA GeForce GTX 1080 Ti", "gtx1080"],
    ["NVIDIA RTX A6000", "a6000"],
    ["Quadro RTX 8000", "rtx8000"],
    ["NVIDIA GH200 480GB", "gh200"],
    ["Some (Weird) Board™", "some-weird-board"],
  ])("names %s %s", (name, type) => {
    expect(normaliseGpuName(name)).toBe(type);
  });

  it("parses nvidia-smi output into groups with their device indices", () => {
    expect(parseNvidiaSmi(DGX_H100)).toEqual([{ type: "h100", memoryMb: 81559, devices: [0, 1, 2, 3] }]);
    expect(parseNvidiaSmi(MIXED)).toEqual([
      { type: "a100", memoryMb: 40960, devices: [0, 2] },
      { type: "rtx4090", memoryMb: 24564, devices: [1] },
    ]);
    expect(parseNvidiaSmi("")).toEqual([]);
    expect(() => parseNvidiaSmi("No devices were found")).toThrow(GpuSpecError);
  });

  it("parses declared GPUs, numbering devices across types in order", () => {
    expect(parseGpuSpec("h100:4:81920,a100:2")).toEqual([
      { type: "h100", memoryMb: 81920, devices: [0, 1, 2, 3] },
      { type: "a100", memoryMb: null, devices: [4, 5] },
    ]);
    expect(parseGpuSpec("none")).toEqual([]);
    expect(parseGpuSpec(" ")).toEqual([]);
    expect(() => parseGpuSpec("h100")).toThrow(/whole number/);
    expect(() => parseGpuSpec("H 100:1")).toThrow(/type:count/);
    expect(() => parseGpuSpec("h100:1:2:3")).toThrow(/type:count/);
    expect(() => parseGpuSpec("h100:1,h100:2")).toThrow(/declared twice/);
  });

  it("maps the server's per-type indices to device indices", () => {
    const groups = parseGpuSpec("h100:4,a100:2");
    expect(deviceIndices(groups, "a100", [1])).toEqual([5]);
    expect(deviceIndices(groups, "a100", [0, 1])).toEqual([4, 5]);
    expect(deviceIndices(groups, "h100", [2, 3])).toEqual([2, 3]);
    expect(deviceIndices(groups, null, [])).toEqual([]);
    expect(deviceIndices(parseNvidiaSmi(MIXED), "a100", [1])).toEqual([2]);
    expect(() => deviceIndices(groups, "a100", [2])).toThrow(/does not exist/);
    expect(() => deviceIndices(groups, "t4", [0])).toThrow(/no GPUs of type "t4"/);
  });
});
