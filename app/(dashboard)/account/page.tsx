import type { Metadata } from "next";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { DescriptionList } from "@/components/ui/description-list";
import { PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db";
import { orgRoleLabels } from "@/lib/auth/permissions";
import { requireActor } from "@/lib/auth/session";
import { listApiTokens } from "@/lib/tokens/queries";
import { ApiTokensCard } from "./api-tokens-card";
import { ChangePasswordForm } from "./change-password-form";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const actor = await requireActor();
  const tokens = await listApiTokens(await getDb(), actor.id);
  return (
    <>
      <PageHeader title="Account" description="Your sign-in details and API tokens." />
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
        {/* min-w-0: the tokens table scrolls inside its card instead of widening the page on phones. */}
        <div className="min-w-0 md:col-span-2">
          <ApiTokensCard tokens={tokens} />
        </div>
      </div>
    </>
  );
}
