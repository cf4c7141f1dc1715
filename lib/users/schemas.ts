import { z } from "zod";
import { orgRoles } from "@/lib/auth/permissions";

const checkbox = z
  .union([z.literal("on"), z.literal("true"), z.literal("false"), z.literal("")])
  .optional()
  .transform((v) => v === "on" || v === "true");

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, "Enter an e-mail address.")
  .max(320, "That e-mail address is too long.")
  .email("Enter a valid e-mail address.");

export const orgRoleSchema = z.enum(orgRoles, { message: "Choose an org role." });

export const createUserSchema = z.object({
  email: emailSchema,
  name: z.string().trim().min(1, "Enter the person's name.").max(120, "Keep the name to 120 characters or fewer."),
  orgRole: orgRoleSchema,
  isAdmin: checkbox,
});
export type CreateUserInput = z.infer<typeof createUserSchema>;

export const userIdSchema = z.object({ userId: z.uuid("Unknown user.") });

export const setOrgRoleSchema = userIdSchema.extend({ orgRole: orgRoleSchema });
export const setActiveSchema = userIdSchema.extend({ active: z.enum(["true", "false"]).transform((v) => v === "true") });
export const setAdminSchema = userIdSchema.extend({ isAdmin: z.enum(["true", "false"]).transform((v) => v === "true") });

export const passwordSchema = z
  .string()
  .min(10, "Use at least 10 characters.")
  .max(200, "Use at most 200 characters.");

export const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, "Enter your current password."),
    newPassword: passwordSchema,
    confirmPassword: z.string(),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ["confirmPassword"], message: "The two passwords differ." });
