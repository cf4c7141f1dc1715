/**
 * An error whose message is written for the user and may be shown as is. Anything that is not a
 * SafeError is logged on the server and reaches the client only as a generic message.
 */
export class SafeError extends Error {
  constructor(
    message: string,
    readonly status: number = 400,
    /** Field the message belongs to, for forms. */
    readonly field?: string,
    /** Extra JSON fields for API clients (e.g. the URL of the existing version a duplicate matches). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "SafeError";
  }
}

export class UnauthenticatedError extends SafeError {
  constructor(message = "Sign in to continue.") {
    super(message, 401);
    this.name = "UnauthenticatedError";
  }
}

export class ForbiddenError extends SafeError {
  constructor(message = "You are not allowed to do this.") {
    super(message, 403);
    this.name = "ForbiddenError";
  }
}

/**
 * A project the caller is not a member of, or that does not exist: one answer for both, so project
 * names do not leak. HTTP APIs answer 403; pages render it as "not found".
 */
export class NoProjectAccessError extends ForbiddenError {
  constructor() {
    super("You do not have access to this project, or it does not exist.");
    this.name = "NoProjectAccessError";
  }
}

export class NotFoundError extends SafeError {
  constructor(message = "Not found.") {
    super(message, 404);
    this.name = "NotFoundError";
  }
}

/** Postgres unique_violation, whichever driver raised it. */
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  let err: unknown = e;
  // Drizzle wraps driver errors; the Postgres error is the cause.
  for (let i = 0; i < 3 && err; i++) {
    const { code, constraint: c } = err as { code?: string; constraint?: string };
    if (code === "23505") return constraint === undefined || c === constraint;
    err = (err as { cause?: unknown }).cause;
  }
  return false;
}
