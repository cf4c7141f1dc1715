"use client";

import { ArrowDown, ArrowRight } from "lucide-react";
import { Fragment, useRef, useState } from "react";
import { cn } from "@/lib/cn";

export interface LineageNode {
  id: string;
  /** What kind of artefact: "Model version", "Run", … */
  kind: string;
  icon: React.ReactNode;
  title: string;
  detail?: React.ReactNode;
  /** Shown below the path when the node is selected. */
  panel: React.ReactNode;
}

/**
 * The lineage as a path of nodes with arrows between them; each node is a tab that shows its
 * details below (arrow keys move between nodes, as in any tab list).
 */
export function LineagePath({ nodes, initial }: { nodes: LineageNode[]; initial?: string }) {
  const [selected, setSelected] = useState(initial ?? nodes[0]?.id);
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const current = nodes.find((n) => n.id === selected) ?? nodes[0];

  function onKeyDown(e: React.KeyboardEvent, index: number) {
    const next =
      e.key === "ArrowRight" || e.key === "ArrowDown"
        ? (index + 1) % nodes.length
        : e.key === "ArrowLeft" || e.key === "ArrowUp"
          ? (index - 1 + nodes.length) % nodes.length
          : e.key === "Home"
            ? 0
            : e.key === "End"
              ? nodes.length - 1
              : null;
    if (next === null) return;
    e.preventDefault();
    setSelected(nodes[next]!.id);
    refs.current[next]?.focus();
  }

  return (
    <div>
      <div role="tablist" aria-label="Lineage: model version, run, dataset version, code" className="flex flex-col items-stretch gap-1 px-5 pt-4 md:flex-row md:items-center md:gap-2">
        {nodes.map((n, i) => {
          const active = n.id === current?.id;
          return (
            <Fragment key={n.id}>
              {i > 0 && (
                <span className="flex shrink-0 justify-center text-slate-400" aria-hidden>
                  <ArrowRight className="hidden size-5 md:block" />
                  <ArrowDown className="size-5 md:hidden" />
                </span>
              )}
              <button
                ref={(el) => {
                  refs.current[i] = el;
                }}
                type="button"
                role="tab"
                id={`lineage-tab-${n.id}`}
                aria-selected={active}
                aria-controls={`lineage-panel-${n.id}`}
                tabIndex={active ? 0 : -1}
                onClick={() => setSelected(n.id)}
                onKeyDown={(e) => onKeyDown(e, i)}
                className={cn(
                  "min-w-0 flex-1 rounded-lg px-3 py-2.5 text-left ring-1 transition-colors",
                  active ? "bg-brand-50 ring-2 ring-brand-500" : "bg-white ring-slate-200 hover:bg-slate-50",
                )}
              >
                <span className="flex items-center gap-1.5 text-xs font-medium text-slate-500 uppercase">
                  {n.icon}
                  {n.kind}
                </span>
                <span className={cn("mt-0.5 block truncate text-sm font-semibold", active ? "text-brand-900" : "text-slate-900")}>{n.title}</span>
                {n.detail && <span className="mt-1 flex flex-wrap items-center gap-1 text-xs text-slate-600">{n.detail}</span>}
              </button>
            </Fragment>
          );
        })}
      </div>
      {current && (
        <div
          role="tabpanel"
          id={`lineage-panel-${current.id}`}
          aria-labelledby={`lineage-tab-${current.id}`}
          tabIndex={0}
          className="mt-4 border-t border-slate-100"
        >
          {current.panel}
        </div>
      )}
    </div>
  );
}
