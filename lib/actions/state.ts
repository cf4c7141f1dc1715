// Shared by server actions and the client forms that call them (no server-only imports here).

export type FieldErrors = Record<string, string[]>;

export type ActionState<R = unknown> =
  | { status: "idle" }
  | { status: "error"; message?: string; fieldErrors?: FieldErrors; values?: Record<string, string> }
  | { status: "success"; message?: string; data?: R };

export const idleState: ActionState<never> = { status: "idle" };
