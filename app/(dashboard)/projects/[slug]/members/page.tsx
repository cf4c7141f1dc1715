import type { Metadata } from "next";
import { Forbidden } from "@/components/shell/forbidden";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
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
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-slate-100 text-xs text-slate-500 uppercase">
              <tr>
                <th scope="col" className="px-5 py-2.5 font-medium">Person</th>
                <th scope="col" className="px-5 py-2.5 font-medium">Persona</th>
                <th scope="col" className="px-5 py-2.5 font-medium">Member since</th>
                {canManage && <th scope="col" className="px-5 py-2.5 font-medium"><span className="sr-only">Actions</span></th>}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {members.length === 0 && (
                <tr>
                  <td colSpan={canManage ? 4 : 3} className="px-5 py-8 text-center text-slate-500">
                    No members yet.
                  </td>
                </tr>
              )}
              {members.map((m) => (
                <tr key={m.userId} data-testid={`member-${m.email}`}>
                  <td className="px-5 py-3">
                    <div className="font-medium text-slate-900">
                      {m.name} {m.userId === actor.id && <span className="text-slate-500">(you)</span>}{" "}
                      {!m.active && <Badge tone="amber">deactivated</Badge>}
                    </div>
                    <div className="text-slate-500">{m.email}</div>
                  </td>
                  {canManage ? (
                    <MemberControls projectSlug={project.slug} userId={m.userId} email={m.email} persona={m.persona} since={formatDate(m.since)} />
                  ) : (
                    <>
                      <td className="px-5 py-3"><Badge tone="brand">{personaLabels[m.persona]}</Badge></td>
                      <td className="px-5 py-3 text-slate-600">{formatDate(m.since)}</td>
                    </>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </div>
  );
}
