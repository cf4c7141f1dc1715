import { describe, expect, it } from "vitest";
import { approvalsBadgeLabel, navFor } from "./navigation";

const hrefs = (actor: Parameters<typeof navFor>[0]) => navFor(actor).map((i) => i.href);

describe("navFor", () => {
  it("gives members projects, model health, approvals and clusters", () => {
    expect(hrefs({ isAdmin: false, orgRole: "member" })).toEqual(["/projects", "/health", "/approvals", "/clusters"]);
  });

  it("gives org ops the same entries (cluster management happens on the clusters page)", () => {
    expect(hrefs({ isAdmin: false, orgRole: "ops" })).toEqual(["/projects", "/health", "/approvals", "/clusters"]);
  });

  it("gives admins every entry, users included", () => {
    expect(hrefs({ isAdmin: true, orgRole: "member" })).toEqual(["/projects", "/health", "/approvals", "/clusters", "/admin/users"]);
  });

  it("shows Approvals to everyone signed in, with the approvals badge", () => {
    for (const actor of [
      { isAdmin: false, orgRole: "member" as const },
      { isAdmin: false, orgRole: "ops" as const },
      { isAdmin: true, orgRole: "member" as const },
    ]) {
      const item = navFor(actor).find((i) => i.href === "/approvals");
      expect(item).toMatchObject({ label: "Approvals", icon: "approvals", badge: "approvals" });
      expect(item?.permission).toBeUndefined();
    }
  });

  it("fails closed on an unknown org role", () => {
    expect(hrefs({ isAdmin: false, orgRole: "superuser" as never })).toEqual(["/projects", "/health", "/approvals"]);
  });
});

describe("approvalsBadgeLabel", () => {
  it("says nothing when there is nothing to see", () => {
    expect(approvalsBadgeLabel({ toDecide: 0, decisions: 0 })).toBeNull();
  });

  it("names both counts, singular and plural", () => {
    expect(approvalsBadgeLabel({ toDecide: 3, decisions: 1 })).toBe("3 awaiting your decision, 1 new decision");
    expect(approvalsBadgeLabel({ toDecide: 0, decisions: 2 })).toBe("2 new decisions");
    expect(approvalsBadgeLabel({ toDecide: 1, decisions: 0 })).toBe("1 awaiting your decision");
  });
});
