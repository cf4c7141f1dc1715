"use server";

import { AuthError, CredentialsSignin } from "next-auth";
import { formAction } from "@/lib/actions/client";
import type { ActionState } from "@/lib/actions/state";
import { changePasswordSchema } from "@/lib/users/schemas";
import { signIn, signOut } from "./next-auth";
import { safeNextPath, signInSchema } from "./schemas";
import { changePassword } from "./service";

/**
 * Sign-in is the one action without a session to authorize: it creates the session. Credentials are
 * checked, rate-limited and recorded by the Credentials provider (lib/auth/service.ts).
 */
export async function signInAction(_prev: ActionState, formData: FormData): Promise<ActionState> {
  const raw = { email: formData.get("email"), password: formData.get("password"), next: formData.get("next") ?? undefined };
  const parsed = signInSchema.safeParse(raw);
  const email = typeof raw.email === "string" ? raw.email : "";
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0])] ??= []).push(issue.message);
    return { status: "error", fieldErrors, values: { email } };
  }
  try {
    await signIn("credentials", {
      email: parsed.data.email,
      password: parsed.data.password,
      redirectTo: safeNextPath(parsed.data.next),
    });
  } catch (e) {
    if (e instanceof CredentialsSignin) return refusal(e.code, email);
    if (e instanceof AuthError) {
      console.error("[ferry] sign-in failed:", e);
      return { status: "error", message: "Sign-in failed on our side. Try again in a moment.", values: { email } };
    }
    throw e; // the success redirect
  }
  return { status: "success" };
}

function refusal(code: string, email: string): ActionState {
  const [kind, minutes] = code.split(":");
  if (kind === "rate_limited") {
    return {
      status: "error",
      message: `Too many failed sign-in attempts. Wait ${minutes ?? 15} minutes and try again, or ask an admin to reset your password.`,
      values: { email },
    };
  }
  if (kind === "deactivated") {
    return { status: "error", message: "This account has been deactivated. Ask an admin to reactivate it.", values: { email } };
  }
  return { status: "error", fieldErrors: { password: ["Wrong e-mail or password."] }, values: { email } };
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/sign-in" });
}

export const changePasswordAction = formAction({
  permission: "account.update",
  input: changePasswordSchema,
  run: async ({ db, auth, input }) => {
    await changePassword(db, auth.actor, input);
    return { message: "Password changed. Other sessions of your account were signed out.", revalidate: ["/", "/account"] };
  },
});
