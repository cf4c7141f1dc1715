import { CircleCheck, CircleX } from "lucide-react";
import type { GateResult } from "@/lib/models/gates";

/**
 * The validation gates of a promotion request: each gate, passed or failed (icon and words, not
 * colour alone), and why. Used by the model, request and approvals pages.
 */
export function GateList({ gates, label = "Validation gates" }: { gates: GateResult[]; label?: string }) {
  if (gates.length === 0) return <p className="text-sm text-slate-500">No gates were evaluated.</p>;
  const failed = gates.filter((g) => !g.passed).length;
  return (
    <div>
      <p className="sr-only">{failed === 0 ? `All ${gates.length} gates passed.` : `${failed} of ${gates.length} gates failed.`}</p>
      <ul className="divide-y divide-slate-100" aria-label={label}>
        {gates.map((g, i) => (
          <li key={`${i}-${g.name}`} className="flex gap-2.5 py-2 text-sm">
            {g.passed ? (
              <CircleCheck className="mt-0.5 size-4 shrink-0 text-emerald-600" aria-hidden />
            ) : (
              <CircleX className="mt-0.5 size-4 shrink-0 text-red-600" aria-hidden />
            )}
            <div className="min-w-0">
              <p className="font-medium text-slate-900">
                {g.name} <span className={g.passed ? "font-normal text-emerald-700" : "font-normal text-red-700"}>— {g.passed ? "passed" : "failed"}</span>
              </p>
              <p className="text-slate-600">{g.detail}</p>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
