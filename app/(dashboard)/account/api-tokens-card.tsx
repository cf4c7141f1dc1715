import { KeyRound } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td } from "@/components/ui/table";
import { formatDate, formatDateTime, formatRelative } from "@/lib/format";
import type { ApiTokenSummary } from "@/lib/tokens/queries";
import { ApiUsageHint, CreateApiTokenForm, RevokeApiToken } from "./api-tokens";

function When({ at, relative }: { at: Date; relative?: boolean }) {
  return (
    <time dateTime={at.toISOString()} title={formatDateTime(at)}>
      {relative ? formatRelative(at) : formatDate(at)}
    </time>
  );
}

export function ApiTokensCard({ tokens }: { tokens: ApiTokenSummary[] }) {
  const active = tokens.filter((t) => !t.revokedAt).length;
  return (
    <Card>
      <CardHeader
        title="API tokens"
        description="Scripts, notebooks and CI jobs use a token to call the Ferry API as you, with your permissions. Up to 50 active tokens."
        actions={tokens.length > 0 && <span className="text-sm text-slate-500">{active} active</span>}
      />
      <div className="border-b border-slate-100 px-5 py-4">
        <CreateApiTokenForm />
      </div>
      {tokens.length === 0 ? (
        <EmptyState icon={KeyRound} title="No API tokens yet">
          Create one above to call Ferry from the command line, a notebook or a CI pipeline.
        </EmptyState>
      ) : (
        // The table's scroll box is not positioned, so its visually hidden "Actions" header escaped it and
        // widened the page on phones; `relative` keeps it inside (belongs in components/ui/table.tsx).
        <div className="[&>div]:relative">
          <Table
            label="API tokens"
            columns={[
              { label: "Name" },
              { label: "Token" },
              { label: "Created" },
              { label: "Last used", className: "whitespace-nowrap" },
              { label: "Status" },
              { label: "Actions", srOnly: true },
            ]}
          >
            {tokens.map((t) => (
              <tr key={t.id} data-testid={`api-token-${t.name}`} className={t.revokedAt ? "bg-slate-50/70 text-slate-500" : undefined}>
                <Td className={t.revokedAt ? "font-medium" : "font-medium text-slate-900"}>
                  <span className="block max-w-56 truncate" title={t.name}>
                    {t.name}
                  </span>
                </Td>
                <Td>
                  <code className="font-mono text-xs whitespace-nowrap text-slate-600">{t.prefix}…</code>
                </Td>
                <Td className="whitespace-nowrap text-slate-600">
                  <When at={t.createdAt} />
                </Td>
                <Td className="whitespace-nowrap text-slate-600">{t.lastUsedAt ? <When at={t.lastUsedAt} relative /> : <span className="text-slate-400">Never</span>}</Td>
                <Td className="whitespace-nowrap">
                  {t.revokedAt ? (
                    <Badge>
                      Revoked&nbsp;<When at={t.revokedAt} />
                    </Badge>
                  ) : (
                    <Badge tone="green">Active</Badge>
                  )}
                </Td>
                <Td className="text-right">
                  <RevokeApiToken id={t.id} name={t.name} revoked={Boolean(t.revokedAt)} />
                </Td>
              </tr>
            ))}
          </Table>
        </div>
      )}
      <div className="space-y-2 border-t border-slate-100 px-5 py-4">
        <p className="text-sm text-slate-600">Send the token in the Authorization header of each request:</p>
        <ApiUsageHint />
      </div>
    </Card>
  );
}
