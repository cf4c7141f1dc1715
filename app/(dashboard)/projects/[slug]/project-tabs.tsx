"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/cn";

// Project sections; capabilities add theirs here as they land (datasets, runs, models…).
const tabs = [
  { path: "", label: "Overview" },
  { path: "/runs", label: "Runs" },
  { path: "/datasets", label: "Datasets" },
  { path: "/models", label: "Models" },
  { path: "/pipelines", label: "Pipelines" },
  { path: "/members", label: "Members" },
];

export function ProjectTabs({ slug }: { slug: string }) {
  const pathname = usePathname();
  const base = `/projects/${slug}`;
  return (
    <nav aria-label="Project" className="border-b border-slate-200">
      <ul className="-mb-px flex gap-6">
        {tabs.map((t) => {
          const href = base + t.path;
          const active = t.path === "" ? pathname === base : pathname.startsWith(href);
          return (
            <li key={t.path}>
              <Link
                href={href}
                aria-current={active ? "page" : undefined}
                className={cn(
                  "inline-block border-b-2 px-1 pb-3 text-sm font-medium",
                  active ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-800",
                )}
              >
                {t.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
