import { ValidationBadge } from "@/components/datasets/validation-badge";
import type { RuleResult } from "@/lib/datasets/csv-profile";
import { formatCount } from "@/lib/format";

/** Pass / warn / fail per rule with the offending count and a few example rows. */
export function ValidationResults({ results }: { results: RuleResult[] }) {
  if (results.length === 0) {
    return <p className="px-5 py-6 text-center text-sm text-slate-500">This dataset had no validation rules when the version was registered.</p>;
  }
  return (
    <ul className="divide-y divide-slate-100" aria-label="Validation results">
      {results.map((r) => (
        <li key={r.ruleId} className="px-5 py-3 text-sm" data-testid={`rule-result-${r.kind}`}>
          <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
            <ValidationBadge status={r.status} label={r.status === "pass" ? "Pass" : r.status === "warn" ? "Warn" : r.status === "fail" ? "Fail" : "Not checked"} />
            <span className="font-medium text-slate-900">{r.column ? `${r.column}: ` : ""}{r.kind.replaceAll("_", " ")}</span>
            {r.status !== "pass" && r.offendingCount !== null && r.offendingCount > 0 && (
              <span className="text-slate-600 tabular-nums">{formatCount(r.offendingCount)} offending</span>
            )}
          </div>
          <p className="mt-1 text-slate-600">{r.message}</p>
          {r.examples.length > 0 && (
            <details className="mt-2">
              <summary className="cursor-pointer text-xs font-medium text-brand-700">Example rows ({r.examples.length})</summary>
              <div className="mt-2 overflow-x-auto rounded-md ring-1 ring-slate-200">
                <table className="w-full text-left text-xs">
                  <thead className="bg-slate-50 text-slate-500">
                    <tr>
                      <th scope="col" className="px-2 py-1.5 font-medium">Row</th>
                      <th scope="col" className="px-2 py-1.5 font-medium">Value</th>
                      {Object.keys(r.examples[0]!.values).map((k) => (
                        <th key={k} scope="col" className="px-2 py-1.5 font-medium whitespace-nowrap">
                          {k}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {r.examples.map((ex) => (
                      <tr key={ex.row}>
                        <td className="px-2 py-1.5 tabular-nums text-slate-500">{formatCount(ex.row)}</td>
                        <td className="px-2 py-1.5 font-medium text-red-700">{ex.value ?? <em className="text-slate-400">null</em>}</td>
                        {Object.values(ex.values).map((val, i) => (
                          <td key={i} className="max-w-48 truncate px-2 py-1.5 text-slate-700">
                            {val ?? <em className="text-slate-400">null</em>}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          )}
        </li>
      ))}
    </ul>
  );
}
