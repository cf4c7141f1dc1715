"use client";

import { ClipboardCheck, FolderKanban, HeartPulse, LogOut, Menu, Server, UserCog, Users, X } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { approvalsBadgeLabel, type ApprovalCounts, type NavIcon, type NavItem } from "@/lib/auth/navigation";
import { signOutAction } from "@/lib/auth/actions";
import { cn } from "@/lib/cn";
import { modelKeys, notificationsUrl } from "@/lib/models/query-keys";
import { Logo } from "./logo";

const icons: Record<NavIcon, typeof Users> = { projects: FolderKanban, health: HeartPulse, approvals: ClipboardCheck, clusters: Server, users: Users, account: UserCog };

export interface SidebarProject {
  slug: string;
  name: string;
  personaLabel: string | null;
}

export function Sidebar({
  items,
  projects,
  user,
  approvals,
}: {
  items: NavItem[];
  projects: SidebarProject[];
  user: { name: string; email: string; roleLabel: string };
  approvals: ApprovalCounts;
}) {
  const pathname = usePathname();
  const isActive = (href: string) => pathname === href || pathname.startsWith(`${href}/`);
  const live = useLiveApprovals(approvals, pathname);
  // Opening the approvals page marks the viewer's decisions as seen, but this layout was rendered
  // alongside (or before) it: hide the count it was given until the server reports a new one.
  const [seenDecisions, setSeenDecisions] = useState<number | null>(null);
  if (pathname === "/approvals" && live.decisions > 0 && seenDecisions !== live.decisions) setSeenDecisions(live.decisions);
  const counts = { toDecide: live.toDecide, decisions: seenDecisions === live.decisions ? 0 : live.decisions };
  const approvalsLabel = approvalsBadgeLabel(counts);
  // Below the lg breakpoint the sidebar is a drawer behind a menu button.
  const [open, setOpen] = useState(false);
  const [openedAt, setOpenedAt] = useState(pathname);
  if (open && openedAt !== pathname) setOpen(false); // navigating closes the drawer
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);

  return (
    <>
      <header className="sticky top-0 z-30 flex items-center justify-between border-b border-slate-200 bg-white px-4 py-3 lg:hidden">
        <Link href="/" aria-label="Ferry home">
          <Logo />
        </Link>
        <button
          type="button"
          className="relative rounded-md p-2 text-slate-700 hover:bg-slate-100"
          aria-expanded={open}
          aria-controls="app-sidebar"
          aria-label={open ? "Close menu" : approvalsLabel ? `Open menu (approvals: ${approvalsLabel})` : "Open menu"}
          onClick={() => {
            setOpenedAt(pathname);
            setOpen(!open);
          }}
        >
          {open ? <X className="size-5" aria-hidden /> : <Menu className="size-5" aria-hidden />}
          {!open && approvalsLabel && <span className="absolute top-1.5 right-1.5 size-2 rounded-full bg-brand-600 ring-2 ring-white" aria-hidden />}
        </button>
      </header>
      {open && <button type="button" aria-label="Close menu" className="fixed inset-0 z-30 bg-slate-900/30 lg:hidden" onClick={() => setOpen(false)} />}
      <aside
        id="app-sidebar"
        className={cn(
          "fixed inset-y-0 left-0 z-40 flex h-screen w-64 shrink-0 flex-col border-r border-slate-200 bg-white transition-transform lg:sticky lg:top-0 lg:z-auto lg:translate-x-0",
          open ? "translate-x-0" : "-translate-x-full max-lg:invisible",
        )}
      >
        <div className="px-5 py-4">
          <Link href="/" aria-label="Ferry home">
            <Logo />
          </Link>
        </div>
        <nav aria-label="Main" className="flex-1 overflow-y-auto px-3">
          <ul className="space-y-0.5">
            {items.map((item) => {
              const Icon = icons[item.icon];
              const active = isActive(item.href) && !projects.some((p) => isActive(`/projects/${p.slug}`));
              return (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    aria-current={active ? "page" : undefined}
                    className={cn(
                      "flex items-center gap-2.5 rounded-md px-2.5 py-2 text-sm font-medium",
                      active ? "bg-brand-50 text-brand-700" : "text-slate-700 hover:bg-slate-100",
                    )}
                  >
                    <Icon className="size-4" aria-hidden />
                    {item.label}
                    {item.badge === "approvals" && <ApprovalsBadge counts={counts} />}
                  </Link>
                </li>
              );
            })}
          </ul>
          {projects.length > 0 && (
            <div className="mt-6">
              <h2 className="px-2.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">Your projects</h2>
              <ul className="mt-2 space-y-0.5">
                {projects.map((p) => {
                  const active = isActive(`/projects/${p.slug}`);
                  return (
                    <li key={p.slug}>
                      <Link
                        href={`/projects/${p.slug}`}
                        aria-current={active ? "page" : undefined}
                        className={cn(
                          "block rounded-md px-2.5 py-1.5 text-sm",
                          active ? "bg-brand-50 text-brand-700" : "text-slate-700 hover:bg-slate-100",
                        )}
                      >
                        <span className="flex items-center justify-between gap-2">
                          <span className="truncate font-medium">{p.name}</span>
                          {(live.alerts?.[p.slug] ?? 0) > 0 && (
                            <span className="shrink-0 rounded-full bg-red-600 px-1.5 text-xs font-semibold text-white" aria-label={`${live.alerts![p.slug]} open monitoring alert${live.alerts![p.slug] === 1 ? "" : "s"}`}>
                              {live.alerts![p.slug]}
                            </span>
                          )}
                        </span>
                        {p.personaLabel && <span className="block text-xs text-slate-500">{p.personaLabel}</span>}
                      </Link>
                    </li>
                  );
                })}
              </ul>
            </div>
          )}
        </nav>
        <div className="border-t border-slate-200 p-3">
          <Link
            href="/account"
            className={cn("block rounded-md px-2.5 py-2 hover:bg-slate-100", isActive("/account") && "bg-slate-100")}
            aria-label={`Account settings for ${user.name}`}
          >
            <span className="block truncate text-sm font-medium text-slate-900">{user.name}</span>
            <span className="block truncate text-xs text-slate-500">{user.email}</span>
            <span className="mt-1 block text-xs font-medium text-brand-700">{user.roleLabel}</span>
          </Link>
          <form action={signOutAction}>
            <button
              type="submit"
              className="mt-1 flex w-full items-center gap-2.5 rounded-md px-2.5 py-2 text-sm text-slate-700 hover:bg-slate-100"
            >
              <LogOut className="size-4" aria-hidden />
              Sign out
            </button>
          </form>
        </div>
      </aside>
    </>
  );
}

/** Two pills: requests awaiting the viewer's decision, and new decisions on their own requests. */
function ApprovalsBadge({ counts }: { counts: ApprovalCounts }) {
  const label = approvalsBadgeLabel(counts);
  if (!label) return null;
  return (
    <span className="ml-auto flex items-center gap-1">
      <span className="sr-only">: {label}</span>
      {counts.toDecide > 0 && (
        <span aria-hidden title={`${counts.toDecide} awaiting your decision`} className="min-w-5 rounded-full bg-brand-600 px-1.5 text-center text-xs leading-5 font-semibold text-white tabular-nums">
          {counts.toDecide > 99 ? "99+" : counts.toDecide}
        </span>
      )}
      {counts.decisions > 0 && (
        <span
          aria-hidden
          title={`${counts.decisions} new decision${counts.decisions === 1 ? "" : "s"} on your requests`}
          className="min-w-5 rounded-full bg-emerald-100 px-1.5 text-center text-xs leading-5 font-semibold text-emerald-800 ring-1 ring-emerald-300 ring-inset tabular-nums"
        >
          {counts.decisions > 99 ? "99+" : counts.decisions}
        </span>
      )}
    </span>
  );
}

/**
 * The badge counts, kept fresh: the server's render seeds them, and they are fetched again on every
 * navigation and every 30 s, so a request filed or decided elsewhere shows up without a reload.
 */
function useLiveApprovals(rendered: ApprovalCounts, pathname: string): ApprovalCounts {
  const client = useQueryClient();
  const key = modelKeys.notifications();
  const query = useQuery({
    queryKey: key,
    queryFn: async (): Promise<ApprovalCounts> => {
      const res = await fetch(notificationsUrl, { cache: "no-store" });
      if (!res.ok) throw new Error(`notifications: ${res.status}`);
      return (await res.json()) as ApprovalCounts;
    },
    initialData: rendered,
    refetchInterval: 30_000,
  });
  // A new server render (after an action revalidated the layout) is the freshest answer.
  useEffect(() => {
    client.setQueryData(key, { toDecide: rendered.toDecide, decisions: rendered.decisions, alerts: rendered.alerts });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the key is constant; the counts are the dependency
  }, [client, rendered.toDecide, rendered.decisions, JSON.stringify(rendered.alerts ?? {})]);
  // Fetched again after each navigation — not on the first render, which the server just counted.
  const renderedAt = useRef(pathname);
  useEffect(() => {
    if (renderedAt.current === pathname) return;
    renderedAt.current = pathname;
    void client.invalidateQueries({ queryKey: key, exact: true });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- refetch on navigation only
  }, [client, pathname]);
  return query.data;
}
