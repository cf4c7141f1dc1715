import { describe, expect, it } from "vitest";
import { can, permissionNames, permissions, personas, type Permission } from "./permissions";

// DESIGN §1, written out again by hand: the matrix in permissions.ts must say exactly this.
// Org-level capabilities have no persona: `orgMember` / `orgOps` say which org roles hold them.
const design: Record<Permission, { personas: string[]; orgOps: boolean; orgMember?: boolean }> = {
  "projects.read": { personas: ["data_scientist", "ml_engineer", "ops", "manager"], orgOps: false },
  "datasets.write": { personas: ["data_scientist", "ml_engineer"], orgOps: false },
  "runs.write": { personas: ["data_scientist", "ml_engineer"], orgOps: false },
  "runs.log": { personas: ["data_scientist", "ml_engineer"], orgOps: false },
  "models.register": { personas: ["data_scientist", "ml_engineer"], orgOps: false },
  "promotions.request": { personas: ["data_scientist", "ml_engineer"], orgOps: false },
  "gates.edit": { personas: ["ml_engineer", "ops"], orgOps: false },
  "pipelines.manage": { personas: ["ml_engineer"], orgOps: false },
  "pipelines.run": { personas: ["data_scientist", "ml_engineer"], orgOps: false },
  "promotions.decide": { personas: ["ops"], orgOps: false },
  "deployments.rollback": { personas: ["ops"], orgOps: false },
  "clusters.read": { personas: [], orgOps: true, orgMember: true },
  "clusters.manage": { personas: [], orgOps: true },
  "projects.create": { personas: [], orgOps: false },
  "members.manage": { personas: [], orgOps: false },
  "users.manage": { personas: [], orgOps: false },
  "account.update": { personas: [], orgOps: true, orgMember: true },
};

describe("permission matrix", () => {
  it("lists exactly the capabilities of the design", () => {
    expect([...permissionNames].sort()).toEqual(Object.keys(design).sort());
  });

  for (const permission of permissionNames) {
    it(`${permission}: personas, org ops and admin as in DESIGN §1`, () => {
      const rule = design[permission];
      for (const persona of personas) {
        expect(can({ isAdmin: false, orgRole: "member", persona }, permission), `${persona}`).toBe(
          permissions[permission].scope === "project" ? rule.personas.includes(persona) : Boolean(rule.orgMember),
        );
      }
      expect(can({ isAdmin: false, orgRole: "ops", persona: null }, permission)).toBe(rule.orgOps);
      expect(can({ isAdmin: true, orgRole: "member", persona: null }, permission)).toBe(true);
    });
  }

  it("fails closed on unknown permissions, personas and roles", () => {
    expect(can({ isAdmin: false, orgRole: "member", persona: "data_scientist" }, "nope" as Permission)).toBe(false);
    expect(can({ isAdmin: false, orgRole: "member", persona: "owner" as never }, "projects.read")).toBe(false);
    expect(can({ isAdmin: false, orgRole: "superuser" as never, persona: null }, "clusters.manage")).toBe(false);
    expect(can({ isAdmin: "yes" as never, orgRole: "member", persona: null }, "users.manage")).toBe(false);
  });
});
