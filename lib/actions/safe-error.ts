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
