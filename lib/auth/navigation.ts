import type { Actor } from "./authorize";
import { can, type OrgScopedPermission } from "./permissions";

export type NavIcon = "projects" | "health" | "approvals" | "clusters" | "users" | "account";

export interface NavItem {
  href: string;
  label: string;
  icon: NavIcon;
  /** Shown only to those who hold this org-level permission. */
  permission?: OrgScopedPermission;
  /** Which notification counts the entry shows as a badge. */
  badge?: "approvals";
}

// Capabilities add their entries here as they land.
// Model health and Approvals are for everyone signed in: each shows the projects the viewer can
// read (model health is the managers' home); ops decide approvals, requesters follow their requests.
const globalNav: NavItem[] = [
  { href: "/projects", label: "Projects", icon: "projects" },
  { href: "/health", label: "Model health", icon: "health" },
  { href: "/approvals", label: "Approvals", icon: "approvals", badge: "approvals" },
  { href: "/clusters", label: "Clusters", icon: "clusters", permission: "clusters.read" },
  { href: "/admin/users", label: "Users", icon: "users", permission: "users.manage" },
];

export function navFor(actor: Pick<Actor, "isAdmin" | "orgRole">): NavItem[] {
  return globalNav.filter(
    (item) => !item.permission || can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona: null }, item.permission),
  );
}

export interface ApprovalCounts {
  /** Pending requests the viewer may decide (never their own). */
  toDecide: number;
  /** Decisions on the viewer's own requests they have not seen yet. */
  decisions: number;
  /** Unresolved monitoring alerts per project slug (projects the viewer can read). */
  alerts?: Record<string, number>;
}

/** What the Approvals badge says to a screen reader, e.g. "3 awaiting your decision, 1 new decision". */
export function approvalsBadgeLabel(counts: ApprovalCounts): string | null {
  const parts: string[] = [];
  if (counts.toDecide > 0) parts.push(`${counts.toDecide} awaiting your decision`);
  if (counts.decisions > 0) parts.push(`${counts.decisions} new decision${counts.decisions === 1 ? "" : "s"}`);
  return parts.length ? parts.join(", ") : null;
}
