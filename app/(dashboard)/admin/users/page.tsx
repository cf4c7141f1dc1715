import type { Metadata } from "next";
import { Forbidden } from "@/components/shell/forbidden";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { Table } from "@/components/ui/table";
import { PersonCell } from "@/components/users/person-cell";
import { PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db";
import { authorizePage } from "@/lib/auth/session";
import { formatDate } from "@/lib/format";
import { listUsers } from "@/lib/users/queries";
import { CreateUserForm, UserControls } from "./user-forms";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const auth = await authorizePage("users.manage");
  const header = (
    <PageHeader
      title="Users"
      description="Everyone who can sign in to Ferry. Org role ops manages GPU clusters; admins manage everything. Personas are set per project."
    />
  );
  if (!auth.ok) {
    return (
      <>
        {header}
        <Forbidden reason={auth.reason} />
      </>
    );
  }
  const users = await listUsers(await getDb());
  const me = auth.ctx.actor.id;
  return (
    <>
      {header}
      <div className="space-y-6">
        <Card>
          <CardHeader title="Create a user" description="Ferry generates a temporary password, shown once; the person chooses their own at first sign-in." />
          <div className="px-5 py-4">
            <CreateUserForm />
          </div>
        </Card>
        <Card>
          <CardHeader title="All users" description={`${users.length} ${users.length === 1 ? "account" : "accounts"}, ${users.filter((u) => u.active).length} active`} />
          <Table
            label="Users"
            columns={[{ label: "Person" }, { label: "Org role" }, { label: "Projects" }, { label: "Created" }, { label: "Actions", srOnly: true }]}
          >
            {users.map((u) => (
              <tr key={u.id} data-testid={`user-${u.email}`} className={u.active ? undefined : "bg-slate-50/70"}>
                <PersonCell
                  name={u.name}
                  email={u.email}
                  isYou={u.id === me}
                  badges={
                    <>
                      {u.isAdmin && <Badge tone="violet">Admin</Badge>}
                      {!u.active && <Badge tone="amber">Deactivated</Badge>}
                      {u.active && u.mustChangePassword && <Badge>Temporary password</Badge>}
                    </>
                  }
                />
                <UserControls
                  user={{ id: u.id, email: u.email, orgRole: u.orgRole, isAdmin: u.isAdmin, active: u.active }}
                  isSelf={u.id === me}
                  projectCount={u.projectCount}
                  created={formatDate(u.createdAt)}
                />
              </tr>
            ))}
          </Table>
        </Card>
      </div>
    </>
  );
}
