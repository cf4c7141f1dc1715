import { HistogramChart, TopValuesChart } from "@/components/charts/lazy";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { ColumnProfile, ColumnType } from "@/lib/datasets/csv-profile";
import { formatCount, formatNumber, formatPercent } from "@/lib/format";

const typeTone: Record<ColumnType, BadgeTone> = {
  numeric: "brand",
  categorical: "violet",
  boolean: "green",
  datetime: "amber",
  text: "neutral",
};

function Stat({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="text-sm font-medium text-slate-900 tabular-nums">{value}</dd>
    </div>
  );
}

/** One column of a version: type, nulls, distinct values, statistics and its distribution chart. */
export function ColumnProfileCard({ column: c, rowCount }: { column: ColumnProfile; rowCount: number }) {
  const nullRate = rowCount > 0 ? c.nullCount / rowCount : 0;
  return (
    <article className="rounded-lg bg-white shadow-sm ring-1 ring-slate-200" aria-label={`Column ${c.name}`} data-testid={`column-${c.name}`}>
      <header className="flex items-center justify-between gap-3 border-b border-slate-100 px-4 py-3">
        <h3 className="truncate font-mono text-sm font-semibold text-slate-900" title={c.name}>
          {c.name}
        </h3>
        <Badge tone={typeTone[c.type]}>{c.type}</Badge>
      </header>
      <dl className="grid grid-cols-3 gap-3 px-4 pt-3">
        <Stat label="Non-null" value={formatCount(c.count)} />
        <Stat
          label="Nulls"
          value={
            <span className={nullRate > 0.2 ? "text-amber-700" : undefined}>
              {formatCount(c.nullCount)} <span className="font-normal text-slate-500">({formatPercent(nullRate)})</span>
            </span>
          }
        />
        <Stat label="Distinct" value={c.distinctCount === null ? "> 10,000" : formatCount(c.distinctCount)} />
      </dl>
      <div className="px-4 pt-3 pb-4">
        {c.numeric && (
          <>
            <dl className="mb-3 grid grid-cols-4 gap-x-3 gap-y-2 rounded-md bg-slate-50 px-3 py-2">
              <Stat label="Min" value={formatNumber(c.numeric.min)} />
              <Stat label="Mean" value={formatNumber(c.numeric.mean)} />
              <Stat label="Std" value={formatNumber(c.numeric.std)} />
              <Stat label="Max" value={formatNumber(c.numeric.max)} />
              <Stat label="p1" value={formatNumber(c.numeric.quantiles.p1)} />
              <Stat label="p5" value={formatNumber(c.numeric.quantiles.p5)} />
              <Stat label="p25" value={formatNumber(c.numeric.quantiles.p25)} />
              <Stat label="Median" value={formatNumber(c.numeric.quantiles.p50)} />
              <Stat label="p75" value={formatNumber(c.numeric.quantiles.p75)} />
              <Stat label="p95" value={formatNumber(c.numeric.quantiles.p95)} />
              <Stat label="p99" value={formatNumber(c.numeric.quantiles.p99)} />
              {c.numeric.quantilesApproximate && <p className="col-span-4 text-xs text-slate-500">Quantiles estimated from the 100,000-row sample.</p>}
            </dl>
            <HistogramChart
              edges={c.numeric.histogram.edges}
              counts={c.numeric.histogram.counts}
              approximate={c.numeric.histogram.approximate}
              xLabel={c.name}
            />
          </>
        )}
        {c.datetime && (
          <dl className="mb-3 grid grid-cols-2 gap-3 rounded-md bg-slate-50 px-3 py-2">
            <Stat label="Earliest" value={c.datetime.min} />
            <Stat label="Latest" value={c.datetime.max} />
          </dl>
        )}
        {c.text && (
          <dl className="mb-3 grid grid-cols-3 gap-3 rounded-md bg-slate-50 px-3 py-2">
            <Stat label="Shortest" value={`${formatCount(c.text.minLength)} chars`} />
            <Stat label="Mean length" value={`${formatNumber(c.text.meanLength)} chars`} />
            <Stat label="Longest" value={`${formatCount(c.text.maxLength)} chars`} />
          </dl>
        )}
        {!c.numeric && c.top && c.top.length > 0 && (c.top[0]!.count > 1 ? (
          <TopValuesChart values={c.top} total={c.count} label={c.name} />
        ) : (
          <p className="text-sm text-slate-500">Every value occurs once: no frequent values to chart.</p>
        ))}
        {c.count === 0 && <p className="text-sm text-slate-500">Every value of this column is null.</p>}
      </div>
    </article>
  );
}
