import "server-only";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import type { z } from "zod";
import { getDb, type Db } from "@/db";
import type { AuthContext, ProjectScope } from "@/lib/auth/authorize";
import type { Permission } from "@/lib/auth/permissions";
import { authorizeRequest } from "@/lib/auth/session";
import { SafeError } from "./safe-error";
import type { ActionState, FieldErrors } from "./state";

export interface ActionOutcome<R> {
  data?: R;
  message?: string;
  redirectTo?: string;
  revalidate?: string[];
}

interface FormActionDefinition<S extends z.ZodType<Record<string, unknown>>, R> {
  /** The named permission every call is checked against, before input is even parsed. */
  permission: Permission;
  /** Project-scoped permissions: which project, from the raw form fields. */
  scope?: (raw: Record<string, string>) => ProjectScope;
  input: S;
  run: (args: { db: Db; auth: AuthContext; input: z.infer<S> }) => Promise<ActionOutcome<R>>;
}

function formToObject(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of formData.entries()) {
    // Next adds $ACTION_* fields for progressive enhancement; they are not input.
    if (key.startsWith("$ACTION")) continue;
    if (typeof value === "string") out[key] = value;
  }
  return out;
}

function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "_form");
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/**
 * The one authenticated action client (CONVENTIONS rule 2): resolves the session, checks the named
 * permission (and the project membership for project permissions), parses input with zod, runs the
 * handler, and turns errors into a form state. Only SafeError messages reach the user.
 */
export function formAction<S extends z.ZodType<Record<string, unknown>>, R = unknown>(
  def: FormActionDefinition<S, R>,
): (prev: ActionState<R>, formData: FormData) => Promise<ActionState<R>> {
  return async (_prev, formData) => {
    const raw = formToObject(formData);
    let outcome: ActionOutcome<R>;
    try {
      const auth = await authorizeRequest(def.permission, def.scope?.(raw));
      const parsed = def.input.safeParse(raw);
      if (!parsed.success) {
        return { status: "error", message: "Check the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error), values: echo(raw) };
      }
      outcome = await def.run({ db: await getDb(), auth, input: parsed.data });
    } catch (e) {
      return errorState(e, raw);
    }
    for (const path of outcome.revalidate ?? []) revalidatePath(path);
    // redirect() throws by design: it must stay outside the try/catch above.
    if (outcome.redirectTo) redirect(outcome.redirectTo);
    return { status: "success", message: outcome.message, data: outcome.data };
  };
}

/** Values echoed back to refill a form after an error; secrets are never echoed. */
function echo(raw?: Record<string, string>): Record<string, string> | undefined {
  if (!raw) return undefined;
  return Object.fromEntries(Object.entries(raw).filter(([k]) => !/password|secret|token/i.test(k)));
}

export function errorState<R>(e: unknown, raw?: Record<string, string>): ActionState<R> {
  const values = echo(raw);
  if (e instanceof SafeError) {
    return e.field
      ? { status: "error", message: "Check the highlighted fields.", fieldErrors: { [e.field]: [e.message] }, values }
      : { status: "error", message: e.message, values };
  }
  const ref = crypto.randomUUID().slice(0, 8);
  console.error(`[ferry] action failed (ref ${ref}):`, e);
  return { status: "error", message: `Something went wrong on our side (ref ${ref}). Try again; if it persists, tell your admin.`, values };
}
