import "server-only";
import { DEMO_PASSWORD, demoUsers } from "@/db/seed";
import { demoEnabled } from "@/lib/env";
import { personaLabels } from "./permissions";

/** The demo accounts to list on the sign-in page, when the demo organisation is enabled. */
export function demoAccounts() {
  if (!demoEnabled) return null;
  return {
    password: DEMO_PASSWORD,
    accounts: demoUsers.map((u) => ({
      email: u.email,
      label: u.isAdmin ? "Admin" : u.orgRole === "ops" ? "Ops" : personaLabels[u.persona],
    })),
  };
}
