import "server-only";
import { NextResponse } from "next/server";
import type { z } from "zod";
import { SafeError } from "@/lib/actions/safe-error";

/** JSON error responses for route handlers: SafeError messages as written, anything else generic and logged. */
export function errorResponse(e: unknown): NextResponse {
  if (e instanceof SafeError) {
    // RFC 6750: a 401 names the scheme the API accepts.
    const headers = e.status === 401 ? { "www-authenticate": 'Bearer realm="ferry"' } : undefined;
    return NextResponse.json({ error: e.message, ...e.details }, { status: e.status, headers });
  }
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

/**
 * A JSON request body, validated with zod: 400 (or 413/415) with a message naming what is wrong and
 * an example of what is expected, never a raw parser error. Bodies are small; `maxBytes` caps them.
 */
export async function parseJsonBody<S extends z.ZodType>(
  request: Request,
  schema: S,
  example: string,
  maxBytes = 16 * 1024,
): Promise<z.infer<S>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new SafeError(`Send a JSON body with Content-Type: application/json, like ${example}.`, 415);
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > maxBytes) throw new SafeError("Request body too large.", 413);
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) throw new SafeError("Request body too large.", 413);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SafeError(`The request body is not valid JSON. Send an object like ${example}.`, 400);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new SafeError(`The request body must be a JSON object, like ${example}.`, 400);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
    throw new SafeError(`Invalid request — ${detail}`, 400);
  }
  return parsed.data;
}
