import { Badge } from "@/components/ui/badge";
import { Table, Td } from "@/components/ui/table";
import type { VersionDiff } from "@/lib/datasets/diff";
import { formatCount, formatNumber, formatPercent } from "@/lib/format";

function Arrow({ before, after }: { before: React.ReactNode; after: React.ReactNode }) {
  return (
    <span className="tabular-nums">
      <span className="text-slate-500">{before}</span> → <span className="text-slate-900">{after}</span>
    </span>
  );
}

function pct(v: number | null) {
  return v === null ? "—" : formatPercent(v);
}

export function VersionDiffTable({ diff }: { diff: VersionDiff }) {
  const changed = diff.added.length + diff.removed.length + diff.retyped.length;
  return (
    <>
      <div className="flex flex-wrap gap-2 px-5 pt-4 text-sm">
        <span className="text-slate-600">
          Rows: <Arrow before={diff.rowCountBefore !== null ? formatCount(diff.rowCountBefore) : "?"} after={diff.rowCountAfter !== null ? formatCount(diff.rowCountAfter) : "?"} />
        </span>
        <span className="text-slate-300">·</span>
        {changed === 0 ? (
          <span className="text-slate-600">Same columns and types.</span>
        ) : (
          <>
            {diff.added.length > 0 && <Badge tone="green">{diff.added.length} added</Badge>}
            {diff.removed.length > 0 && <Badge tone="red">{diff.removed.length} removed</Badge>}
            {diff.retyped.length > 0 && <Badge tone="amber">{diff.retyped.length} retyped</Badge>}
          </>
        )}
      </div>
      <div className="mt-3">
        <Table label="Column changes" columns={[{ label: "Column" }, { label: "Change" }, { label: "Type" }, { label: "Mean" }, { label: "Mean shift" }, { label: "Null rate" }]}>
          {diff.columns.map((c) => (
            <tr key={c.name}>
              <Td className="font-mono text-xs font-medium">{c.name}</Td>
              <Td>
                {c.change === "unchanged" ? (
                  <span className="text-slate-400">—</span>
                ) : (
                  <Badge tone={c.change === "added" ? "green" : c.change === "removed" ? "red" : "amber"}>{c.change}</Badge>
                )}
              </Td>
              <Td className="text-slate-700">{c.change === "retyped" ? <Arrow before={c.typeBefore} after={c.typeAfter} /> : (c.typeAfter ?? c.typeBefore)}</Td>
              <Td>{c.meanBefore !== null || c.meanAfter !== null ? <Arrow before={formatNumber(c.meanBefore)} after={formatNumber(c.meanAfter)} /> : <span className="text-slate-400">—</span>}</Td>
              <Td className="tabular-nums">
                {c.meanShiftStd === null ? (
                  <span className="text-slate-400">—</span>
                ) : (
                  <span className={Math.abs(c.meanShiftStd) >= 0.5 ? "font-medium text-amber-700" : "text-slate-700"}>
                    {c.meanShiftStd >= 0 ? "+" : "−"}
                    {Math.abs(c.meanShiftStd).toFixed(2)} σ
                  </span>
                )}
              </Td>
              <Td>
                <Arrow before={pct(c.nullRateBefore)} after={pct(c.nullRateAfter)} />
              </Td>
            </tr>
          ))}
        </Table>
      </div>
    </>
  );
}
