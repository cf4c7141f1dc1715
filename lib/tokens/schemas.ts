import { z } from "zod";

export const tokenNameSchema = z
  .string({ message: "Enter a name for the token." })
  .trim()
  .min(1, "Enter a name for the token.")
  .max(100, "Keep the name to 100 characters or fewer.")
  // Names end up in tables, logs and audit summaries: no line breaks or other control characters.
  .refine((s) => !/\p{Cc}/u.test(s), "The name cannot contain line breaks or control characters.");

export const createApiTokenSchema = z.object({ name: tokenNameSchema });
export type CreateApiTokenInput = z.infer<typeof createApiTokenSchema>;

export const tokenIdSchema = z.object({ tokenId: z.uuid("Unknown API token.") });
export type TokenIdInput = z.infer<typeof tokenIdSchema>;
