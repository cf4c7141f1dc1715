// The permission matrix of DESIGN §1, as data. This file is the contract; authorize() enforces it.

export const personas = ["data_scientist", "ml_engineer", "ops", "manager"] as const;
export type Persona = (typeof personas)[number];

export const orgRoles = ["member", "ops"] as const;
export type OrgRole = (typeof orgRoles)[number];

export const personaLabels: Record<Persona, string> = {
  data_scientist: "Data scientist",
  ml_engineer: "ML engineer",
  ops: "Ops",
  manager: "Manager",
};

export const orgRoleLabels: Record<OrgRole, string> = { member: "Member", ops: "Ops" };

/**
 * scope "project": granted by the caller's persona in that project (admins: every project).
 * scope "org": granted by the org role (admins: always); no project involved.
 * `selfApprovalForbidden` marks decisions where four eyes apply even to admins (checked where the request is known).
 */
type ProjectPermission = { scope: "project"; personas: readonly Persona[]; description: string };
type OrgPermission = { scope: "org"; orgRoles: readonly OrgRole[]; description: string };

export const permissions = {
  "projects.read": {
    scope: "project",
    personas: ["data_scientist", "ml_engineer", "ops", "manager"],
    description: "Read a project: datasets, runs, models, charts, monitoring",
  },
  "datasets.write": {
    scope: "project",
    personas: ["data_scientist", "ml_engineer"],
    description: "Create datasets and dataset versions",
  },
  "runs.write": {
    scope: "project",
    personas: ["data_scientist", "ml_engineer"],
    description: "Launch, cancel and re-run training runs",
  },
  "runs.log": {
    scope: "project",
    personas: ["data_scientist", "ml_engineer"],
    description: "Log to a run through the tracking API",
  },
  "models.register": {
    scope: "project",
    personas: ["data_scientist", "ml_engineer"],
    description: "Register model versions",
  },
  "promotions.request": {
    scope: "project",
    personas: ["data_scientist", "ml_engineer"],
    description: "Request promotion to staging or production",
  },
  "gates.edit": {
    scope: "project",
    personas: ["ml_engineer", "ops"],
    description: "Edit validation gates and monitoring thresholds",
  },
  "pipelines.manage": {
    scope: "project",
    personas: ["ml_engineer"],
    description: "Create, edit and delete continuous-training pipelines",
  },
  "pipelines.run": {
    scope: "project",
    personas: ["data_scientist", "ml_engineer"],
    description: "Start, retry and cancel pipeline runs",
  },
  "promotions.decide": {
    scope: "project",
    personas: ["ops"],
    description: "Approve or reject a promotion (never one's own request)",
  },
  "deployments.rollback": {
    scope: "project",
    personas: ["ops"],
    description: "Roll back a deployment",
  },
  "clusters.read": {
    scope: "org",
    orgRoles: ["member", "ops"],
    description: "See clusters: inventory, queue, GPU-hours and cost",
  },
  "clusters.manage": {
    scope: "org",
    orgRoles: ["ops"],
    description: "Register and edit clusters, rotate agent tokens, set GPU quotas",
  },
  "projects.create": {
    scope: "org",
    orgRoles: [],
    description: "Create projects",
  },
  "members.manage": {
    scope: "org",
    orgRoles: [],
    description: "Manage project members and their personas",
  },
  "account.update": {
    scope: "org",
    orgRoles: ["member", "ops"],
    description: "Manage one's own account: password and API tokens",
  },
  "users.manage": {
    scope: "org",
    orgRoles: [],
    description: "Create users, set org roles, deactivate users",
  },
} as const satisfies Record<string, ProjectPermission | OrgPermission>;

export type Permission = keyof typeof permissions;
export type ProjectScopedPermission = {
  [K in Permission]: (typeof permissions)[K] extends { scope: "project" } ? K : never;
}[Permission];
export type OrgScopedPermission = Exclude<Permission, ProjectScopedPermission>;

export const permissionNames = Object.keys(permissions) as Permission[];

export function isProjectPermission(p: Permission): p is ProjectScopedPermission {
  return permissions[p].scope === "project";
}

export interface Grant {
  isAdmin: boolean;
  orgRole: OrgRole;
  /** The caller's persona in the project in question; null when not a member or no project. */
  persona: Persona | null;
}

/** Pure decision. Unknown permissions, roles or personas fail closed. */
export function can(grant: Grant, permission: Permission): boolean {
  const rule = (permissions as Record<string, ProjectPermission | OrgPermission>)[permission];
  if (!rule) return false;
  if (grant.isAdmin === true) return true;
  if (rule.scope === "org") return (rule.orgRoles as readonly string[]).includes(grant.orgRole);
  return grant.persona !== null && (rule.personas as readonly string[]).includes(grant.persona);
}
