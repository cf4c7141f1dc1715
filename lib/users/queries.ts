import "server-only";
import { asc, count, desc, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { memberships, users } from "@/db/schema";
import type { OrgRole } from "@/lib/auth/permissions";

export interface UserRow {
  id: string;
  email: string;
  name: string;
  isAdmin: boolean;
  orgRole: OrgRole;
  active: boolean;
  mustChangePassword: boolean;
  createdAt: Date;
  projectCount: number;
}

export async function listUsers(db: Db): Promise<UserRow[]> {
  return db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      isAdmin: users.isAdmin,
      orgRole: users.orgRole,
      active: users.active,
      mustChangePassword: users.mustChangePassword,
      createdAt: users.createdAt,
      projectCount: count(memberships.projectId),
    })
    .from(users)
    .leftJoin(memberships, eq(memberships.userId, users.id))
    .groupBy(users.id)
    .orderBy(desc(users.active), asc(users.name));
}
