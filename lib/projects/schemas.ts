import { z } from "zod";
import { personas } from "@/lib/auth/permissions";
import { SLUG_MAX, SLUG_PATTERN, slugify } from "./slug";

export const projectNameSchema = z
  .string()
  .trim()
  .min(1, "Enter a project name.")
  .max(80, "Keep the name to 80 characters or fewer.");

export const createProjectSchema = z
  .object({
    name: projectNameSchema,
    slug: z.string().trim().toLowerCase().optional().default(""),
    description: z.string().trim().max(1000, "Keep the description to 1,000 characters or fewer.").optional().default(""),
  })
  .transform((v) => ({ ...v, slug: v.slug || slugify(v.name) }))
  .superRefine((v, ctx) => {
    if (v.slug.length < 2 || v.slug.length > SLUG_MAX || !SLUG_PATTERN.test(v.slug)) {
      ctx.addIssue({
        code: "custom",
        path: ["slug"],
        message: `Use 2–${SLUG_MAX} lower-case letters, digits and single hyphens (e.g. churn-prediction).`,
      });
    }
  });
export type CreateProjectInput = z.infer<typeof createProjectSchema>;

export const personaSchema = z.enum(personas, { message: "Choose a persona." });

export const addMemberSchema = z.object({
  projectSlug: z.string(),
  email: z.string().trim().toLowerCase().min(1, "Enter an e-mail address.").max(320).email("Enter a valid e-mail address."),
  persona: personaSchema,
});
export type AddMemberInput = z.infer<typeof addMemberSchema>;

export const changePersonaSchema = z.object({
  projectSlug: z.string(),
  userId: z.uuid("Unknown member."),
  persona: personaSchema,
});
export type ChangePersonaInput = z.infer<typeof changePersonaSchema>;

export const removeMemberSchema = z.object({
  projectSlug: z.string(),
  userId: z.uuid("Unknown member."),
});
export type RemoveMemberInput = z.infer<typeof removeMemberSchema>;

export const activityPageSchema = z.object({
  cursor: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
