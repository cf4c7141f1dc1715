// MLflow's limits and naming rules (mlflow/utils/validation.py), so a client that works against
// MLflow gets the same answers here. Pure: no I/O.
import path from "node:path";
import { invalid } from "./errors";

export const limits = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  batchBytes: 1024 * 1024,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 5000,
  runNameLength: 250,
  datasetNameLength: 500,
  datasetDigestLength: 36,
  datasetSourceLength: 65_535,
  datasetSchemaLength: 1_048_575,
  datasetProfileLength: 16_777_215,
  inputTagKeyLength: 255,
  inputTagValueLength: 500,
  datasetsPerInputs: 1000,
} as const;

// Python's \w (MLflow's pattern) is Unicode-aware: letters, digits and marks of any script.
const namePattern = /^[/\p{L}\p{N}\p{M}_.\- :]*$/u;
// What Python's float() reads as a decimal (no hex, octal or binary literals).
const decimalPattern = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

type Entity = "metric" | "param" | "tag";

/**
 * Names may only use MLflow's character set and must not resolve to another name when treated
 * as a file path (no "..", no leading "/", no "./", no doubled slashes).
 */
export function validateKey(entity: Entity, key: unknown): string {
  if (typeof key !== "string" || key.length === 0) throw invalid(`Missing value for required parameter '${entity} key'.`);
  if (!namePattern.test(key)) {
    throw invalid(
      `Invalid ${entity} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  // Python's posixpath.normpath (which MLflow uses) drops a trailing slash ("x/" -> "x"); Node's keeps it.
  const normalized = path.posix.normalize(key);
  const norm = normalized.length > 1 ? normalized.replace(/\/+$/, "") : normalized;
  if (norm !== key || norm === "." || norm.startsWith("..") || norm.startsWith("/")) {
    throw invalid(
      `Invalid ${entity} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${norm}'.`,
    );
  }
  if (key.length > limits.keyLength) {
    throw invalid(`${capital(entity)} name '${key.slice(0, 40)}…' had length ${key.length}, which exceeded length limit of ${limits.keyLength}.`);
  }
  return key;
}

export function validateParamValue(key: string, value: unknown): string {
  const v = stringValue("param", key, value);
  if (v.length > limits.paramValueLength) {
    throw invalid(`Param value '${v.slice(0, 40)}…' had length ${v.length}, which exceeded length limit of ${limits.paramValueLength}.`);
  }
  return v;
}

export function validateTagValue(key: string, value: unknown): string {
  const v = stringValue("tag", key, value);
  if (v.length > limits.tagValueLength) {
    throw invalid(`Tag value '${v.slice(0, 40)}…' had length ${v.length}, which exceeded length limit of ${limits.tagValueLength}.`);
  }
  return v;
}

function stringValue(entity: Entity, key: string, value: unknown): string {
  // MLflow's JSON parser turns numbers and booleans into their text; null/absent is an error.
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw invalid(`Got invalid value ${JSON.stringify(value) ?? "None"} for ${entity} '${key}'. Please specify a string value.`);
}

/** Metric values: JSON numbers, or protobuf JSON's "NaN" / "Infinity" / "-Infinity" strings. */
export function parseMetricValue(key: string, value: unknown): number {
  if (typeof value === "number") return value;
  if (value === "NaN") return NaN;
  if (value === "Infinity" || value === "inf") return Infinity;
  if (value === "-Infinity" || value === "-inf") return -Infinity;
  if (typeof value === "string" && decimalPattern.test(value.trim())) return Number(value);
  throw invalid(`Got invalid value ${JSON.stringify(value) ?? "None"} for metric '${key}' (timestamp=…). Please specify value as a valid double (64-bit floating point).`);
}

/** int64 fields arrive as JSON numbers or as decimal strings (protobuf JSON). */
export function parseInt64(field: string, value: unknown, fallback?: number): number {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    throw invalid(`Missing value for required parameter '${field}'.`);
  }
  const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) {
    throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${field}' supplied: it must be an integer.`);
  }
  return n;
}

export function checkBatchCounts(counts: { metrics: number; params: number; tags: number }): void {
  if (counts.metrics > limits.metricsPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${limits.metricsPerBatch} metrics. Got ${counts.metrics} metrics. Please split up metrics across multiple requests and try again.`,
    );
  }
  if (counts.params > limits.paramsPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${limits.paramsPerBatch} params. Got ${counts.params} params. Please split up params across multiple requests and try again.`,
    );
  }
  if (counts.tags > limits.tagsPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${limits.tagsPerBatch} tags. Got ${counts.tags} tags. Please split up tags across multiple requests and try again.`,
    );
  }
  const total = counts.metrics + counts.params + counts.tags;
  if (total > limits.entitiesPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${limits.entitiesPerBatch} total metrics, params, and tags. Got ${total} total. Please split up across multiple requests and try again.`,
    );
  }
}

function capital(s: string) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
