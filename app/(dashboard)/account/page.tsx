import type { Metadata } from "next";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { DescriptionList } from "@/components/ui/description-list";
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
          <DescriptionList
            items={[
              { label: "Name", value: actor.name },
              { label: "E-mail", value: actor.email },
              {
                label: "Organisation",
                value: (
                  <span className="flex gap-1.5">
                    <Badge>Org role: {orgRoleLabels[actor.orgRole]}</Badge>
                    {actor.isAdmin && <Badge tone="violet">Admin</Badge>}
                  </span>
                ),
              },
            ]}
          />
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
