"use server";

import { formAction } from "@/lib/actions/client";
import { createApiTokenSchema, tokenIdSchema } from "./schemas";
import { createApiToken, revokeApiToken } from "./service";

const accountPage = "/account";

export const createApiTokenAction = formAction({
  permission: "account.update",
  input: createApiTokenSchema,
  run: async ({ db, auth, input }) => {
    const created = await createApiToken(db, auth.actor, input);
    // The clear token goes back to the browser this once; only its hash stays on the server.
    return { data: { id: created.id, name: created.name, prefix: created.prefix, token: created.token }, revalidate: [accountPage] };
  },
});

export const revokeApiTokenAction = formAction({
  permission: "account.update",
  input: tokenIdSchema,
  run: async ({ db, auth, input }) => {
    const token = await revokeApiToken(db, auth.actor, input.tokenId);
    return { message: `Token "${token.name}" revoked.`, revalidate: [accountPage] };
  },
});
