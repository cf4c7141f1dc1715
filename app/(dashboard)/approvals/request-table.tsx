import { CircleCheck, CircleX } from "lucide-react";
import Link from "next/link";
import { EnvironmentBadge } from "@/components/models/environment-badge";
import { RequestStatusBadge } from "@/components/models/request-status-badge";
import { When } from "@/components/models/when";
import { Badge } from "@/components/ui/badge";
import { Table, Td, type Column } from "@/components/ui/table";
import type { RequestItem } from "@/lib/models/queries";
import { modelUrl, requestUrl, versionUrl } from "@/lib/models/urls";

export type RequestTableKind = "awaiting" | "mine" | "decided";

const open = (r: RequestItem) => r.status === "pending" || r.status === "blocked";

/** One list of the approvals page: a row per promotion request, linking to its page. */
export function RequestTable({ kind, items, viewerId, label }: { kind: RequestTableKind; items: RequestItem[]; viewerId: string; label: string }) {
  const columns: Column[] = [
    { label: "Model and version" },
    { label: "Environment" },
    { label: "Gates" },
    { label: "Requested" },
    { label: "Status" },
    ...(kind === "awaiting" ? [] : [{ label: "Decision" }]),
    { label: "Open", srOnly: true },
  ];
  return (
    <Table label={label} columns={columns}>
      {items.map((r) => {
        const mine = r.requestedBy.id === viewerId;
        return (
          <tr key={r.id} className="hover:bg-slate-50" data-testid="approval-row">
            <Td className="min-w-48">
              <div className="flex flex-wrap items-baseline gap-x-1.5">
                <Link href={modelUrl(r.project.slug, r.model)} className="font-medium text-slate-900 hover:underline">
                  {r.model}
                </Link>
                <Link href={versionUrl(r.project.slug, r.model, r.version)} className="font-medium text-brand-700 hover:underline" aria-label={`${r.model} version ${r.version}`}>
                  v{r.version}
                </Link>
              </div>
              <Link href={`/projects/${r.project.slug}`} className="text-xs text-slate-500 hover:underline">
                {r.project.name}
              </Link>
            </Td>
            <Td>
              <EnvironmentBadge environment={r.environment} />
            </Td>
            <Td className="whitespace-nowrap">
              <GatesSummary item={r} />
            </Td>
            <Td className="min-w-36">
              {kind !== "mine" && (
                <div className="flex flex-wrap items-center gap-1.5 text-slate-900">
                  <span title={r.requestedBy.email}>{r.requestedBy.name}</span>
                  {mine && <Badge tone="brand">your request</Badge>}
                </div>
              )}
              <div className={kind === "mine" ? "whitespace-nowrap text-slate-600" : "text-xs whitespace-nowrap text-slate-500"}>
                <When iso={r.requestedAt} />
              </div>
            </Td>
            <Td>
              <div className="flex flex-wrap items-center gap-1.5">
                <RequestStatusBadge status={r.status} />
                {kind === "mine" && !open(r) && !r.decisionSeen && <Badge tone="brand">New</Badge>}
              </div>
            </Td>
            {kind !== "awaiting" && (
              <Td className="max-w-64 min-w-44">
                <DecisionCell item={r} />
              </Td>
            )}
            <Td className="text-right whitespace-nowrap">
              <Link href={requestUrl(r.project.slug, r.model, r.id)} className="font-medium text-brand-700 hover:underline">
                {kind === "awaiting" && !mine ? "Review" : "View"}
                <span className="sr-only">
                  {" "}
                  the request for {r.model} version {r.version} to {r.environment}
                </span>
              </Link>
            </Td>
          </tr>
        );
      })}
    </Table>
  );
}

function GatesSummary({ item }: { item: RequestItem }) {
  const total = item.gates.length;
  const passed = item.gates.filter((g) => g.passed).length;
  const ok = passed === total;
  const Icon = ok ? CircleCheck : CircleX;
  return (
    <span className="inline-flex flex-col">
      <span className={ok ? "inline-flex items-center gap-1 text-emerald-700" : "inline-flex items-center gap-1 text-red-700"}>
        <Icon className="size-3.5" aria-hidden />
        <span className="tabular-nums">
          {passed}/{total}
        </span>{" "}
        passed
      </span>
      {item.overriddenBy && <span className="text-xs text-slate-500">overridden</span>}
    </span>
  );
}

function DecisionCell({ item }: { item: RequestItem }) {
  if (item.status === "void") {
    return <p className="line-clamp-2 text-slate-600">{item.voidReason ? capitalize(item.voidReason) : "Voided."}</p>;
  }
  if (!item.decidedBy || !item.decidedAt) return <span className="text-slate-400">Not decided yet</span>;
  return (
    <div>
      <p className="text-slate-700">
        {item.decidedBy}, <When iso={item.decidedAt} />
      </p>
      {item.decisionReason && (
        <p className="line-clamp-2 text-slate-500" title={item.decisionReason}>
          “{item.decisionReason}”
        </p>
      )}
    </div>
  );
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
