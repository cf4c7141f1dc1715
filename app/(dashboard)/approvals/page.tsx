import { ClipboardCheck, Inbox, Send } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { requireActor } from "@/lib/auth/session";
import { cn } from "@/lib/cn";
import { listAwaitingDecision, listMyRequests, listRecentlyDecided } from "@/lib/models/approval-queries";
import { listDecidableProjectIds } from "@/lib/models/queries";
import { markDecisionsSeen } from "@/lib/models/service";
import { approvalsUrl } from "@/lib/models/urls";
import { listMyProjects } from "@/lib/projects/current";
import { RequestTable, type RequestTableKind } from "./request-table";

export const metadata: Metadata = { title: "Approvals" };

type Props = { searchParams: Promise<{ tab?: string | string[] }> };

const tabs: { key: RequestTableKind; label: string }[] = [
  { key: "awaiting", label: "Awaiting decision" },
  { key: "mine", label: "My requests" },
  { key: "decided", label: "Recently decided" },
];
const isTab = (t: unknown): t is RequestTableKind => tabs.some((x) => x.key === t);

const limits = { awaiting: 200, mine: 100, decided: 50 };

// The ops persona's home (DESIGN §1), and where everyone else follows promotion requests: every
// signed-in user sees the projects they can read, and decides only where their persona allows it.
export default async function ApprovalsPage({ searchParams }: Props) {
  const actor = await requireActor();
  const db = await getDb();
  const [projects, decidable] = await Promise.all([listMyProjects(), listDecidableProjectIds(db, actor)]);
  const readable = projects.map((p) => p.id);
  const [awaiting, mine, decided] = await Promise.all([
    listAwaitingDecision(db, decidable, limits.awaiting),
    listMyRequests(db, actor.id, readable, limits.mine),
    listRecentlyDecided(db, readable, limits.decided),
  ]);
  // Seeing this page clears the "new decision" badge; the lists above were read first, so this
  // visit still marks which decisions are new. Idempotent: a reload changes nothing more.
  await markDecisionsSeen(db, actor);

  const mayDecide = decidable.length > 0;
  const mayRequest = actor.isAdmin || projects.some((p) => can({ isAdmin: false, orgRole: actor.orgRole, persona: p.persona }, "promotions.request"));
  const { tab: rawTab } = await searchParams;
  const tab: RequestTableKind = isTab(rawTab) ? rawTab : mayDecide ? "awaiting" : mayRequest || mine.length > 0 ? "mine" : "decided";
  const newDecisions = mine.filter((r) => r.status !== "pending" && r.status !== "blocked" && !r.decisionSeen).length;
  const counts: Record<RequestTableKind, string | null> = {
    awaiting: awaiting.length > 0 ? countLabel(awaiting.length, limits.awaiting) : null,
    mine: newDecisions > 0 ? `${newDecisions} new` : mine.length > 0 ? countLabel(mine.length, limits.mine) : null,
    decided: null,
  };

  return (
    <div className="space-y-6">
      <PageHeader
        title="Approvals"
        description="Promotion requests to staging and production. A version reaches an environment only when its gates pass (or an admin overrides them) and someone other than the requester approves it."
      />
      <nav aria-label="Approvals" className="border-b border-slate-200">
        <ul className="-mb-px flex flex-wrap gap-x-6">
          {tabs.map((t) => (
            <li key={t.key}>
              <Link
                href={`${approvalsUrl}?tab=${t.key}`}
                aria-current={tab === t.key ? "page" : undefined}
                className={cn(
                  "inline-flex items-center gap-2 border-b-2 px-1 pb-3 text-sm font-medium",
                  tab === t.key ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-800",
                )}
              >
                {t.label}
                {counts[t.key] && (
                  <span className="rounded-full bg-slate-100 px-2 text-xs leading-5 font-semibold text-slate-700 tabular-nums">{counts[t.key]}</span>
                )}
              </Link>
            </li>
          ))}
        </ul>
      </nav>

      {tab === "awaiting" && (
        <Card label="Awaiting decision">
          <CardHeader
            title="Awaiting decision"
            description={
              mayDecide
                ? "Open requests in the projects where you decide promotions, oldest first. Blocked requests failed a gate: an admin can override the gates, or the request can be rejected."
                : undefined
            }
          />
          {!mayDecide ? (
            <EmptyState icon={ClipboardCheck} title="You don't decide promotions">
              Ops engineers and admins of a project approve or reject its promotion requests. Your own requests are under{" "}
              <Link href={`${approvalsUrl}?tab=mine`} className="font-medium text-brand-700 hover:underline">
                My requests
              </Link>
              .
            </EmptyState>
          ) : awaiting.length === 0 ? (
            <EmptyState icon={Inbox} title="Nothing is waiting for a decision">
              New promotion requests in your projects show up here, oldest first.
            </EmptyState>
          ) : (
            <RequestTable kind="awaiting" items={awaiting} viewerId={actor.id} label="Requests awaiting decision" />
          )}
        </Card>
      )}

      {tab === "mine" && (
        <Card label="My requests">
          <CardHeader title="My requests" description="Your promotion requests, newest first, with the decision and its reason." />
          {mine.length === 0 ? (
            <EmptyState icon={Send} title="You haven't requested a promotion">
              {mayRequest
                ? "Open a model version in one of your projects and request staging or production: the gates run at once, then an ops engineer or admin decides."
                : "Data scientists and ML engineers request promotions of the model versions they register."}
            </EmptyState>
          ) : (
            <RequestTable kind="mine" items={mine} viewerId={actor.id} label="My requests" />
          )}
        </Card>
      )}

      {tab === "decided" && (
        <Card label="Recently decided">
          <CardHeader title="Recently decided" description={`The last ${limits.decided} approvals and rejections in the projects you can read.`} />
          {decided.length === 0 ? (
            <EmptyState icon={ClipboardCheck} title="No decisions yet">
              {readable.length === 0 ? "You are not a member of any project yet." : "Approved and rejected promotion requests of your projects show up here."}
            </EmptyState>
          ) : (
            <RequestTable kind="decided" items={decided} viewerId={actor.id} label="Recently decided requests" />
          )}
        </Card>
      )}
    </div>
  );
}

function countLabel(n: number, limit: number): string {
  return n >= limit ? `${limit}+` : String(n);
}
