import "server-only";
import { NextResponse } from "next/server";
import type { z } from "zod";
import { SafeError } from "@/lib/actions/safe-error";

/** JSON error responses for route handlers: SafeError messages as written, anything else generic and logged. */
export function errorResponse(e: unknown): NextResponse {
  if (e instanceof SafeError) return NextResponse.json({ error: e.message }, { status: e.status });
  const ref = crypto.randomUUID().slice(0, 8);
  console.error(`[ferry] request failed (ref ${ref}):`, e);
  return NextResponse.json({ error: `Internal error (ref ${ref}).` }, { status: 500 });
}

export function parseQuery<S extends z.ZodType>(schema: S, params: URLSearchParams): z.infer<S> {
  const parsed = schema.safeParse(Object.fromEntries(params));
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ");
    throw new SafeError(`Invalid query parameters — ${detail}`, 400);
  }
  return parsed.data;
}
