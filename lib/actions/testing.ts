// Runs the real server actions in Vitest. What cannot run here is a Next.js request: the session
// cookie and the request-bound cache. Test files replace exactly those (see `mockRequest` below) and
// keep everything else real: the action client, authorize(), zod, services and the database.
import type { Db } from "@/db";
import type { ActionState } from "./state";

export const request: { db: Db | null; sessionId: string | null } = { db: null, sessionId: null };

export function as(claims: { sessionId: string } | null) {
  request.sessionId = claims?.sessionId ?? null;
}

export function form(fields: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}

/** Calls a form action; a redirect (thrown by design) comes back as { redirect: url }. */
export async function call<R>(
  action: (prev: ActionState<R>, fd: FormData) => Promise<ActionState<R>>,
  fields: Record<string, string>,
): Promise<ActionState<R> & { redirect?: string }> {
  try {
    return await action({ status: "idle" }, form(fields));
  } catch (e) {
    const digest = (e as { digest?: string }).digest;
    if (typeof digest === "string" && digest.startsWith("NEXT_REDIRECT")) {
      return { status: "success", redirect: digest.split(";")[2] };
    }
    throw e;
  }
}
