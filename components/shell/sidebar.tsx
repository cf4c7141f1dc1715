"use client";

import { ClipboardCheck, FolderKanban, LogOut, Menu, Server, UserCog, Users, X } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { approvalsBadgeLabel, type ApprovalCounts, type NavIcon, type NavItem } from "@/lib/auth/navigation";
import { signOutAction } from "@/lib/auth/actions";
import { cn } from "@/lib/cn";
import { Logo } from "./logo";

const icons: Record<NavIcon, typeof Users> = { projects: FolderKanban, approvals: ClipboardCheck, clusters: Server, users: Users, account: UserCog };

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
  // Opening the approvals page marks the viewer's decisions as seen, but this layout was rendered
  // alongside (or before) it: hide the count it was given until the server reports a new one.
  const [seenDecisions, setSeenDecisions] = useState<number | null>(null);
  if (pathname === "/approvals" && approvals.decisions > 0 && seenDecisions !== approvals.decisions) setSeenDecisions(approvals.decisions);
  const counts = { toDecide: approvals.toDecide, decisions: seenDecisions === approvals.decisions ? 0 : approvals.decisions };
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
                        <span className="block truncate font-medium">{p.name}</span>
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
