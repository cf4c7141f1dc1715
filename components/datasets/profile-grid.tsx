"use client";

import { Search } from "lucide-react";
import { Children, useState } from "react";
import { Button } from "@/components/ui/button";
import { controlClasses } from "@/components/ui/field";
import { cn } from "@/lib/cn";

const FIRST_PAGE = 24;

/**
 * The per-column cards of a version, with a filter by column name and the first 24 shown until
 * asked for more: wide datasets stay quick to render and to scan.
 */
export function ProfileGrid({ names, children }: { names: string[]; children: React.ReactNode }) {
  const [query, setQuery] = useState("");
  const [showAll, setShowAll] = useState(false);
  const cards = Children.toArray(children);
  const q = query.trim().toLowerCase();
  const matching = cards.map((card, i) => ({ card, name: names[i] ?? "" })).filter((c) => !q || c.name.toLowerCase().includes(q));
  const shown = showAll || q ? matching : matching.slice(0, FIRST_PAGE);
  return (
    <div className="space-y-3">
      {cards.length > 6 && (
        <div className="relative max-w-xs">
          <Search className="pointer-events-none absolute top-2.5 left-3 size-4 text-slate-400" aria-hidden />
          <input
            type="search"
            aria-label="Filter columns"
            placeholder={`Filter ${cards.length} columns`}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            className={cn(controlClasses, "pl-9")}
          />
        </div>
      )}
      {shown.length === 0 ? (
        <p className="rounded-lg bg-white px-5 py-6 text-center text-sm text-slate-500 ring-1 ring-slate-200">No column matches “{query}”.</p>
      ) : (
        <div className="grid gap-4 lg:grid-cols-2">{shown.map((c) => c.card)}</div>
      )}
      {!showAll && !q && matching.length > FIRST_PAGE && (
        <div className="text-center">
          <Button variant="secondary" onClick={() => setShowAll(true)}>
            Show all {matching.length} columns
          </Button>
        </div>
      )}
    </div>
  );
}
