// Model version sources, confined to the run's artifact root (DESIGN §6; MLflow's CVE history had
// traversals through model sources). Pure: no I/O, so every refusal is unit-tested.
//
// Accepted forms, the ones MLflow clients send for a model logged by a run:
//   runs:/<run id>[/<path>]
//   mlflow-artifacts:/<experiment id>/<run id>/artifacts[/<path>]   (also mlflow-artifacts://host/…)
// Everything else is refused: file: URIs, local paths, other stores, "..", backslashes and any
// percent-encoding of dots, slashes or backslashes, however often it is encoded.

export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceError";
  }
}

export interface ParsedSource {
  runId: string;
  /** Safe path segments below the run's artifact root; [] for the root itself. */
  segments: string[];
  /** The experiment id named by an mlflow-artifacts URI (checked against the run's project by the caller). */
  experimentId: string | null;
}

const runIdPattern = /^[0-9a-f]{32}$/;
const segmentPattern = /^[A-Za-z0-9_][A-Za-z0-9._ -]{0,199}$/;

function refuse(source: string, why: string): never {
  throw new SourceError(`Invalid model version source '${source.slice(0, 300)}': ${why}.`);
}

/** Decodes until stable (at most 4 rounds): "%252e%252e" is ".." as surely as "%2e%2e" is. */
function fullyDecoded(source: string): string {
  let current = source;
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      refuse(source, "malformed percent-encoding");
    }
    if (next === current) return current;
    current = next;
  }
  refuse(source, "too many layers of percent-encoding");
}

function checkedSegments(source: string, path: string): string[] {
  if (path === "") return [];
  const segments = path.split("/");
  if (segments[segments.length - 1] === "") segments.pop();
  for (const s of segments) {
    if (s === "." || s === "..") refuse(source, "'.' and '..' are not allowed in a path");
    if (s === "") refuse(source, "empty path segments are not allowed");
    if (!segmentPattern.test(s)) refuse(source, `the path segment '${s.slice(0, 60)}' has characters other than letters, digits, '.', '_', '-' and spaces`);
  }
  return segments;
}

export function parseModelSource(source: string): ParsedSource {
  const raw = source.trim();
  if (!raw) refuse(source, "it is empty");
  if (raw.length > 1000) refuse(source, "it is longer than 1000 characters");
  const decoded = fullyDecoded(raw);
  if (/[\u0000-\u001f\u007f]/.test(decoded)) refuse(source, "control characters are not allowed");
  if (decoded.includes("\\")) refuse(source, "backslashes are not allowed");
  if (/(^|\/)\.\.?(\/|$)/.test(decoded)) refuse(source, "'.' and '..' are not allowed in a path");
  if (decoded !== raw) refuse(source, "percent-encoded characters are not allowed");
  if (/^file:/i.test(raw)) refuse(source, "file: sources are not allowed; log the model as an artifact of its run and register runs:/<run id>/<path>");
  if (raw.startsWith("/") || raw.startsWith("~") || raw.startsWith(".") || /^[A-Za-z]:([/]|$)/.test(raw)) {
    refuse(source, "local paths are not allowed; register runs:/<run id>/<path>");
  }

  let m = /^runs:\/([^/]*)(?:\/(.*))?$/.exec(raw);
  if (m) {
    const runId = m[1]!;
    if (!runIdPattern.test(runId)) refuse(source, `'${runId.slice(0, 40)}' is not a run id`);
    return { runId, segments: checkedSegments(source, m[2] ?? ""), experimentId: null };
  }
  m = /^mlflow-artifacts:(?:\/\/[^/]+)?\/([^/]+)\/([^/]+)\/artifacts(?:\/(.*))?$/.exec(raw);
  if (m) {
    const [, experimentId, runId, rest] = m as unknown as [string, string, string, string | undefined];
    if (!runIdPattern.test(runId)) refuse(source, `'${runId.slice(0, 40)}' is not a run id`);
    return { runId, segments: checkedSegments(source, rest ?? ""), experimentId };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) {
    refuse(source, "Ferry registers models from its own artifact store only: use runs:/<run id>/<path> or mlflow-artifacts:/<experiment id>/<run id>/artifacts/<path>");
  }
  refuse(source, "local paths are not allowed; register runs:/<run id>/<path>");
}

/** The canonical source Ferry stores and shows. */
export function runsSource(runId: string, segments: string[]): string {
  return segments.length ? `runs:/${runId}/${segments.join("/")}` : `runs:/${runId}`;
}
