import "server-only";
import { ForbiddenError } from "@/lib/actions/safe-error";
import type { AuthContext } from "@/lib/auth/authorize";
import { authorizeRequest } from "@/lib/auth/session";
import { tokensCannotCreateTokens } from "./service";

/**
 * authorize() for creating tokens: a browser session only. Any Authorization header is refused,
 * valid token or not, so a leaked token cannot mint others that survive its revocation. Cross-site
 * requests are refused too (the session cookie would ride along with them).
 */
export async function authorizeTokenCreation(request: Request): Promise<AuthContext> {
  if (request.headers.has("authorization")) throw new ForbiddenError(tokensCannotCreateTokens);
  if (request.headers.get("sec-fetch-site") === "cross-site") throw new ForbiddenError("Cross-site requests are refused.");
  return authorizeRequest("account.update");
}
