import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { cache } from "react";
import { EnvironmentBadge, environmentLabel } from "@/components/models/environment-badge";
import { GateList } from "@/components/models/gate-list";
import { RequestStatusBadge } from "@/components/models/request-status-badge";
import { When } from "@/components/models/when";
import { Forbidden } from "@/components/shell/forbidden";
import { Alert } from "@/components/ui/alert";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { getPromotionRequest } from "@/lib/models/approval-queries";
import type { RequestItem } from "@/lib/models/queries";
import { modelNameSchema, requestIdSchema } from "@/lib/models/schemas";
import { approvalsUrl, modelUrl, modelsUrl, versionUrl } from "@/lib/models/urls";
import { RequestActions } from "./request-actions";

type Props = { params: Promise<{ slug: string; name: string; id: string }> };

function parseParams(rawName: string, rawId: string): { name: string; id: string } | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawName);
  } catch {
    return null;
  }
  const name = modelNameSchema.safeParse(decoded);
  const id = requestIdSchema.safeParse(rawId);
  return name.success && id.success ? { name: name.data, id: id.data } : null;
}

// generateMetadata and the page read the same request: once per request.
const loadRequest = cache(async (projectId: string, name: string, id: string) => getPromotionRequest(await getDb(), projectId, name, id));

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug, name: rawName, id: rawId } = await params;
  const parsed = parseParams(rawName, rawId);
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!parsed || !auth.ok) return { title: "Promotion request" };
  const r = await loadRequest(auth.ctx.project.id, parsed.name, parsed.id);
  return { title: r ? `${r.model} v${r.version} → ${environmentLabel(r.environment)}` : "Promotion request" };
}

export default async function PromotionRequestPage({ params }: Props) {
  const { slug, name: rawName, id: rawId } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const parsed = parseParams(rawName, rawId);
  if (!parsed) notFound();
  const r = await loadRequest(project.id, parsed.name, parsed.id);
  if (!r) notFound();

  const grant = { isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona };
  const isRequester = r.requestedBy.id === actor.id;
  const open = r.status === "pending" || r.status === "blocked";
  const failedGates = r.gates.filter((g) => !g.passed).length;
  const mayDecide = can(grant, "promotions.decide");

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-500">
          <Link href={modelsUrl(project.slug)} className="hover:underline">
            Models
          </Link>{" "}
          /{" "}
          <Link href={modelUrl(project.slug, r.model)} className="hover:underline">
            {r.model}
          </Link>{" "}
          / Promotion request
        </p>
        <h2 className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xl font-semibold text-slate-900">
          Promote version {r.version} to {r.environment}
          <RequestStatusBadge status={r.status} />
        </h2>
      </div>

      <StatusSummary r={r} failedGates={failedGates} />

      <div className="grid gap-6 lg:grid-cols-5">
        <div className="space-y-6 lg:col-span-3">
          <Card label="Request">
            <CardHeader title="Request" />
            <dl className="grid gap-x-6 gap-y-4 px-5 py-4 text-sm sm:grid-cols-2">
              <Fact label="Model">
                <Link href={modelUrl(project.slug, r.model)} className="font-medium text-brand-700 hover:underline">
                  {r.model}
                </Link>
              </Fact>
              <Fact label="Version">
                <Link href={versionUrl(project.slug, r.model, r.version)} className="font-medium text-brand-700 hover:underline">
                  Version {r.version}
                </Link>
              </Fact>
              <Fact label="Environment">
                <EnvironmentBadge environment={r.environment} />
              </Fact>
              <Fact label="Requested">
                <span className="font-medium text-slate-900">{r.requestedBy.name}</span>
                {isRequester && <span className="text-slate-500"> (you)</span>}
                <span className="block text-slate-500">
                  {r.requestedBy.email} · <When iso={r.requestedAt} absolute />
                </span>
              </Fact>
              <div className="sm:col-span-2">
                <dt className="text-slate-500">Justification</dt>
                <dd className="mt-0.5 whitespace-pre-wrap text-slate-800">{r.justification}</dd>
              </div>
            </dl>
          </Card>

          <Card label="Validation gates">
            <CardHeader
              title="Validation gates"
              description={`Evaluated when the request was made: ${r.gates.length - failedGates} of ${r.gates.length} passed.`}
            />
            <div className="px-5 py-2">
              <GateList gates={r.gates} />
            </div>
          </Card>
        </div>

        <div className="space-y-6 lg:col-span-2">
          {open && isRequester && (
            <Alert tone="info">You requested this; another ops engineer or admin must decide it.</Alert>
          )}
          {open && !isRequester && !mayDecide && (
            <Alert tone="info">Ops engineers and admins of {project.name} approve or reject promotion requests. This page shows their decision once it is made.</Alert>
          )}
          {/* Always rendered, so the outcome of an action stays on screen after the page re-renders with the new status. */}
          <RequestActions
            projectSlug={project.slug}
            modelName={r.model}
            requestId={r.id}
            status={r.status}
            failedGates={failedGates}
            canDecide={mayDecide && !isRequester}
            canOverride={actor.isAdmin && !isRequester && r.status === "blocked"}
            canWithdraw={isRequester && can(grant, "promotions.request")}
          />
          <History r={r} />
          <p className="text-sm">
            <Link href={approvalsUrl} className="font-medium text-brand-700 hover:underline">
              ← All approvals
            </Link>
          </p>
        </div>
      </div>
    </div>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-slate-800">{children}</dd>
    </div>
  );
}

/** One sentence on where the request stands. */
function StatusSummary({ r, failedGates }: { r: RequestItem; failedGates: number }) {
  switch (r.status) {
    case "pending":
      return (
        <Alert tone="info">
          {r.overriddenBy ? "The failed gates were overridden by an admin. " : failedGates === 0 ? "All gates passed. " : ""}
          Waiting for an ops engineer or admin other than the requester to approve or reject it.
        </Alert>
      );
    case "blocked":
      return (
        <Alert tone="warning">
          Blocked: {failedGates === 1 ? "1 gate" : `${failedGates} of ${r.gates.length} gates`} failed. It cannot be approved until an admin overrides the failed
          gates with a recorded reason; it can be rejected.
        </Alert>
      );
    case "approved":
      return (
        <Alert tone="success">
          Approved by {r.decidedBy}: version {r.version} became the current {r.environment} version.
        </Alert>
      );
    case "rejected":
      return <Alert tone="error">Rejected by {r.decidedBy}. Version {r.version} was not promoted.</Alert>;
    case "void":
      return <Alert tone="warning">Void: {r.voidReason ?? "this request can no longer be decided"}.</Alert>;
  }
}

/** Decision, override and void details, with who, when and why. */
function History({ r }: { r: RequestItem }) {
  const entries: { title: string; by: string | null; at: string | null; reason: string | null }[] = [];
  if (r.overriddenBy) entries.push({ title: "Gates overridden", by: r.overriddenBy, at: r.overriddenAt, reason: r.overrideReason });
  if (r.status === "approved" || r.status === "rejected") {
    entries.push({ title: r.status === "approved" ? "Approved" : "Rejected", by: r.decidedBy, at: r.decidedAt, reason: r.decisionReason });
  }
  if (r.status === "void") entries.push({ title: "Voided", by: null, at: null, reason: r.voidReason });
  if (entries.length === 0) return null;
  return (
    <Card label="History">
      <CardHeader title="History" />
      <ul className="divide-y divide-slate-100">
        {entries.map((e) => (
          <li key={e.title} className="px-5 py-3 text-sm">
            <p className="font-medium text-slate-900">{e.title}</p>
            {(e.by || e.at) && (
              <p className="text-slate-500">
                {e.by && <>by {e.by}</>}
                {e.by && e.at && " · "}
                {e.at && <When iso={e.at} absolute />}
              </p>
            )}
            {e.reason && <p className="mt-1 whitespace-pre-wrap text-slate-800">{e.reason}</p>}
          </li>
        ))}
      </ul>
    </Card>
  );
}
