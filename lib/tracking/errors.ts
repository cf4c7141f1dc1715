import type { z } from "zod";
import { SafeError } from "@/lib/actions/safe-error";

// MLflow's error codes and the HTTP status its server answers with (mlflow/exceptions.py).
export const mlflowStatus = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  NOT_IMPLEMENTED: 501,
} as const;

export type MlflowErrorCode = keyof typeof mlflowStatus;

/** An error for MLflow clients: `{error_code, message}` with MLflow's HTTP status. */
export class MlflowError extends SafeError {
  constructor(
    readonly errorCode: MlflowErrorCode,
    message: string,
  ) {
    super(message, mlflowStatus[errorCode]);
    this.name = "MlflowError";
  }
}

export const invalid = (message: string) => new MlflowError("INVALID_PARAMETER_VALUE", message);
export const notFound = (message: string) => new MlflowError("RESOURCE_DOES_NOT_EXIST", message);

/** Ferry's own SafeErrors (from authorize() and shared services) in MLflow's vocabulary. */
export function mlflowCodeFor(e: SafeError): MlflowErrorCode {
  if (e instanceof MlflowError) return e.errorCode;
  switch (e.status) {
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "RESOURCE_DOES_NOT_EXIST";
    case 409:
      return "RESOURCE_ALREADY_EXISTS";
    case 429:
      return "REQUEST_LIMIT_EXCEEDED";
    default:
      return e.status >= 500 ? "INTERNAL_ERROR" : "INVALID_PARAMETER_VALUE";
  }
}

/** Validates MLflow request input with zod, answering in MLflow's words ("Missing value for required parameter 'x'."). */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.join(".") || "request";
    throw invalid(issue.code === "invalid_type" && issue.input === undefined ? `Missing value for required parameter '${field}'.` : `Invalid value for parameter '${field}': ${issue.message}.`);
  }
  return r.data;
}
