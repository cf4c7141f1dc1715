import type { Metadata } from "next";
import { Forbidden } from "@/components/shell/forbidden";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyRow, Table, Td } from "@/components/ui/table";
import { PersonCell } from "@/components/users/person-cell";
import { getDb } from "@/db";
import { can, personaLabels } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { formatDate } from "@/lib/format";
import { listMembers } from "@/lib/projects/queries";
import { AddMemberForm, MemberControls } from "./member-forms";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor } = auth.ctx;
  const members = await listMembers(await getDb(), project.id);
  const canManage = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona: null }, "members.manage");

  return (
    <div className="space-y-6">
      {canManage && (
        <Card>
          <CardHeader title="Add a member" description="People need a Ferry account first; admins create accounts under Users." />
          <div className="px-5 py-4">
            <AddMemberForm projectSlug={project.slug} />
          </div>
        </Card>
      )}
      <Card>
        <CardHeader
          title="Members"
          description={
            canManage
              ? "A member's persona decides what they can do in this project."
              : "Only admins change members and personas."
          }
        />
        <Table
          label="Members"
          columns={[
            { label: "Person" },
            { label: "Persona" },
            { label: "Member since" },
            ...(canManage ? [{ label: "Actions", srOnly: true }] : []),
          ]}
        >
          {members.length === 0 && <EmptyRow colSpan={canManage ? 4 : 3}>No members yet.</EmptyRow>}
          {members.map((m) => (
            <tr key={m.userId} data-testid={`member-${m.email}`}>
              <PersonCell
                name={m.name}
                email={m.email}
                isYou={m.userId === actor.id}
                badges={!m.active && <Badge tone="amber">Deactivated</Badge>}
              />
              {canManage ? (
                <MemberControls projectSlug={project.slug} userId={m.userId} email={m.email} persona={m.persona} since={formatDate(m.since)} />
              ) : (
                <>
                  <Td>
                    <Badge tone="brand">{personaLabels[m.persona]}</Badge>
                  </Td>
                  <Td className="text-slate-600">{formatDate(m.since)}</Td>
                </>
              )}
            </tr>
          ))}
        </Table>
      </Card>
    </div>
  );
}
