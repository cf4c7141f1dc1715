import type { Actor } from "./authorize";
import { can, type OrgScopedPermission } from "./permissions";

export type NavIcon = "projects" | "clusters" | "users" | "account";

export interface NavItem {
  href: string;
  label: string;
  icon: NavIcon;
  /** Shown only to those who hold this org-level permission. */
  permission?: OrgScopedPermission;
}

// Capabilities add their entries here as they land (clusters for ops, approvals, model health…).
const globalNav: NavItem[] = [
  { href: "/projects", label: "Projects", icon: "projects" },
  { href: "/clusters", label: "Clusters", icon: "clusters", permission: "clusters.read" },
  { href: "/admin/users", label: "Users", icon: "users", permission: "users.manage" },
];

export function navFor(actor: Pick<Actor, "isAdmin" | "orgRole">): NavItem[] {
  return globalNav.filter(
    (item) => !item.permission || can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona: null }, item.permission),
  );
}
