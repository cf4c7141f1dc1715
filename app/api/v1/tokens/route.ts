import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { authorizeTokenCreation } from "@/lib/tokens/http";
import { listApiTokens } from "@/lib/tokens/queries";
import { createApiTokenSchema } from "@/lib/tokens/schemas";
import { createApiToken } from "@/lib/tokens/service";

/** The caller's tokens (never the tokens themselves): with a session or an API token. */
export async function GET(request: Request) {
  await connection();
  try {
    const { actor } = await authorizeApiRequest(request, "account.update");
    return NextResponse.json({ tokens: await listApiTokens(await getDb(), actor.id) });
  } catch (e) {
    return errorResponse(e);
  }
}

/** Creates a token for the signed-in user: browser session only. The token is in this response and nowhere else. */
export async function POST(request: Request) {
  await connection();
  try {
    const { actor } = await authorizeTokenCreation(request);
    const input = await parseJsonBody(request, createApiTokenSchema, '{"name": "CI pipeline"}');
    const created = await createApiToken(await getDb(), actor, input);
    return NextResponse.json(
      { token: created.token, id: created.id, name: created.name, prefix: created.prefix, createdAt: created.createdAt },
      { status: 201, headers: { "cache-control": "no-store" } },
    );
  } catch (e) {
    return errorResponse(e);
  }
}
