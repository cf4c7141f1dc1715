"use server";

import { formAction } from "@/lib/actions/client";
import { createUserSchema, setActiveSchema, setAdminSchema, setOrgRoleSchema, userIdSchema } from "./schemas";
import { createUser, resetPassword, setActive, setAdmin, setOrgRole } from "./service";

const usersPage = "/admin/users";

export const createUserAction = formAction({
  permission: "users.manage",
  input: createUserSchema,
  run: async ({ db, auth, input }) => {
    const user = await createUser(db, auth.actor, input);
    return { data: { email: user.email, temporaryPassword: user.temporaryPassword }, revalidate: [usersPage] };
  },
});

export const setOrgRoleAction = formAction({
  permission: "users.manage",
  input: setOrgRoleSchema,
  run: async ({ db, auth, input }) => {
    await setOrgRole(db, auth.actor, input.userId, input.orgRole);
    return { message: "Org role updated.", revalidate: [usersPage] };
  },
});

export const setAdminAction = formAction({
  permission: "users.manage",
  input: setAdminSchema,
  run: async ({ db, auth, input }) => {
    await setAdmin(db, auth.actor, input.userId, input.isAdmin);
    return { message: input.isAdmin ? "Admin rights granted." : "Admin rights removed.", revalidate: [usersPage] };
  },
});

export const setActiveAction = formAction({
  permission: "users.manage",
  input: setActiveSchema,
  run: async ({ db, auth, input }) => {
    await setActive(db, auth.actor, input.userId, input.active);
    return { message: input.active ? "User reactivated." : "User deactivated.", revalidate: [usersPage] };
  },
});

export const resetPasswordAction = formAction({
  permission: "users.manage",
  input: userIdSchema,
  run: async ({ db, auth, input }) => {
    const user = await resetPassword(db, auth.actor, input.userId);
    return { data: { email: user.email, temporaryPassword: user.temporaryPassword }, revalidate: [usersPage] };
  },
});
