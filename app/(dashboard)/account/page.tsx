import type { Metadata } from "next";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { orgRoleLabels } from "@/lib/auth/permissions";
import { requireActor } from "@/lib/auth/session";
import { ChangePasswordForm } from "./change-password-form";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const actor = await requireActor();
  return (
    <>
      <PageHeader title="Account" description="Your sign-in details." />
      <div className="grid max-w-4xl gap-6 md:grid-cols-2">
        <Card>
          <CardHeader title="Profile" />
          <dl className="space-y-3 px-5 py-4 text-sm">
            <div>
              <dt className="text-slate-500">Name</dt>
              <dd className="mt-0.5 text-slate-800">{actor.name}</dd>
            </div>
            <div>
              <dt className="text-slate-500">E-mail</dt>
              <dd className="mt-0.5 text-slate-800">{actor.email}</dd>
            </div>
            <div>
              <dt className="text-slate-500">Organisation</dt>
              <dd className="mt-1 flex gap-1.5">
                <Badge>Org role: {orgRoleLabels[actor.orgRole]}</Badge>
                {actor.isAdmin && <Badge tone="violet">Admin</Badge>}
              </dd>
            </div>
          </dl>
        </Card>
        <Card>
          <CardHeader
            title="Change password"
            description={actor.mustChangePassword ? "You are using a temporary password: choose your own now." : "At least 10 characters."}
          />
          <div className="px-5 py-4">
            <ChangePasswordForm />
          </div>
        </Card>
      </div>
    </>
  );
}
