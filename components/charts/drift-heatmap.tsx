"use client";

import { useEffect, useRef, useState } from "react";
import { cn } from "@/lib/cn";
import { formatCount, formatPercent } from "@/lib/format";
import { formatWindow, four, tickFormatter, type TimeWindowKind } from "./time-windows";

// Features × windows, coloured by drift: reds for drifted cells (darker the further past the
// threshold), greens for tested cells that did not drift (paler as they near it), hatched grey
// where there is no data. A CSS grid, no Recharts: an ARIA grid with one tab stop, arrow keys
// between cells, a tooltip on hover and on focus, and Enter to pick a cell.

export interface HeatmapColumn {
  start: number;
  end: number;
  rows: number;
}

export interface HeatmapCell {
  method: string;
  score: number | null;
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  psi: number | null;
}

export interface HeatmapRow {
  name: string;
  /** Shown instead of the name, e.g. "prediction (target)". */
  label?: string;
  /** Drift share rows (the dataset) show a share, not a test. */
  share?: boolean;
  /** false: its name is not a button (onSelectRow does not apply to it). */
  selectable?: boolean;
  cells: (HeatmapCell | null)[];
}

export interface DriftHeatmapProps {
  columns: HeatmapColumn[];
  rows: HeatmapRow[];
  window: TimeWindowKind;
  label: string;
  selectedRow?: string | null;
  selectedColumn?: number | null;
  /** Enter or click on a cell. */
  onSelectCell?: (row: string, column: number) => void;
  /** Click on a row's name. */
  onSelectRow?: (row: string) => void;
}

const pValueMethods = new Set(["ks", "chisquare", "z"]);

/** How far a cell is towards (< 1) or past (≥ 1) its threshold; null when not tested. */
export function driftSeverity(c: HeatmapCell | null): number | null {
  if (!c) return null;
  if (pValueMethods.has(c.method)) {
    if (c.pValue === null) return null;
    if (c.pValue <= 0) return Infinity;
    if (c.pValue >= 1) return 0;
    // On a log scale: p = threshold is 1, p = threshold² is 2.
    return Math.log(c.pValue) / Math.log(c.threshold);
  }
  if (c.score === null || !(c.threshold > 0)) return null;
  return c.score / c.threshold;
}

export const heatmapScale = [
  { key: "none", label: "No data", className: "bg-[repeating-linear-gradient(45deg,#f1f5f9_0_3px,#e2e8f0_3px_6px)]" },
  { key: "calm", label: "No drift", className: "bg-emerald-500" },
  { key: "near", label: "No drift, over half way to the threshold", className: "bg-emerald-200" },
  { key: "drift1", label: "Drifted", className: "bg-red-300" },
  { key: "drift2", label: "Drifted, twice the threshold", className: "bg-red-500" },
  { key: "drift4", label: "Drifted, four times the threshold or more", className: "bg-red-800" },
] as const;
type ScaleKey = (typeof heatmapScale)[number]["key"];

function scaleKey(c: HeatmapCell | null): ScaleKey {
  const s = driftSeverity(c);
  if (s === null || !c) return "none";
  if (!c.drifted) return s >= 0.5 ? "near" : "calm";
  return s >= 4 ? "drift4" : s >= 2 ? "drift2" : "drift1";
}

const scaleClass = Object.fromEntries(heatmapScale.map((s) => [s.key, s.className])) as Record<ScaleKey, string>;

function describeCell(row: HeatmapRow, c: HeatmapCell | null): string {
  const name = row.label ?? row.name;
  if (!c || driftSeverity(c) === null) return `${name}: no data`;
  if (row.share) return `${name}: drift share ${formatPercent(c.score ?? 0)}${c.drifted ? ", drifted" : ", no drift"}`;
  const value = pValueMethods.has(c.method) ? `p-value ${four(c.pValue)}` : `score ${four(c.score)}`;
  return `${name}: ${c.drifted ? "drifted" : "no drift"}, ${c.method} ${value}, threshold ${four(c.threshold)}`;
}

export function DriftHeatmap({ columns, rows, window, label, selectedRow, selectedColumn, onSelectCell, onSelectRow }: DriftHeatmapProps) {
  const [focus, setFocus] = useState<{ r: number; c: number }>({ r: 0, c: Math.max(0, columns.length - 1) });
  const [tip, setTip] = useState<{ r: number; c: number; x: number; y: number; below: boolean } | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const cells = useRef(new Map<string, HTMLDivElement>());
  const scroller = useRef<HTMLDivElement>(null);
  // Newest windows are on the right: where a narrow screen starts.
  useEffect(() => {
    const el = scroller.current;
    if (el) el.scrollLeft = el.scrollWidth;
  }, [columns.length]);
  if (columns.length === 0 || rows.length === 0) {
    return <p className="px-1 py-8 text-center text-sm text-slate-500">No windows in this range.</p>;
  }
  const r0 = Math.min(focus.r, rows.length - 1);
  const c0 = Math.min(focus.c, columns.length - 1);
  const template = `minmax(7.5rem, 11rem) repeat(${columns.length}, minmax(${columns.length > 60 ? 4 : 10}px, 1fr))`;
  const span = columns.at(-1)!.end - columns[0]!.start;
  const formatTick = tickFormatter(window, span);
  const every = Math.max(1, Math.ceil(columns.length / 6));

  // The tooltip sits outside the scrolling box (which would clip it), placed from the cell's position in it.
  const showTip = (r: number, c: number, el: HTMLElement) => {
    const outer = box.current?.getBoundingClientRect();
    const rect = el.getBoundingClientRect();
    if (!outer) return;
    const half = 128;
    const x = Math.max(half, Math.min(rect.left - outer.left + rect.width / 2, outer.width - half));
    const y = rect.top - outer.top;
    const below = y < 110;
    setTip({ r, c, x, y: below ? rect.bottom - outer.top + 6 : y - 6, below });
  };
  const move = (r: number, c: number) => {
    const next = { r: Math.max(0, Math.min(rows.length - 1, r)), c: Math.max(0, Math.min(columns.length - 1, c)) };
    setFocus(next);
    cells.current.get(`${next.r}:${next.c}`)?.focus();
  };
  const onKeyDown = (e: React.KeyboardEvent, r: number, c: number) => {
    const keys: Record<string, () => void> = {
      ArrowRight: () => move(r, c + 1),
      ArrowLeft: () => move(r, c - 1),
      ArrowDown: () => move(r + 1, c),
      ArrowUp: () => move(r - 1, c),
      Home: () => move(e.ctrlKey ? 0 : r, 0),
      End: () => move(e.ctrlKey ? rows.length - 1 : r, columns.length - 1),
      PageUp: () => move(r, c - every),
      PageDown: () => move(r, c + every),
      Enter: () => onSelectCell?.(rows[r]!.name, c),
      " ": () => onSelectCell?.(rows[r]!.name, c),
      Escape: () => setTip(null),
    };
    const action = keys[e.key];
    if (!action) return;
    e.preventDefault();
    action();
  };

  const tipRow = tip ? rows[tip.r] : undefined;
  const tipCell = tip && tipRow ? (tipRow.cells[tip.c] ?? null) : null;
  const tipColumn = tip ? columns[tip.c] : undefined;

  return (
    <div className="space-y-3">
      <div className="relative" ref={box} onMouseLeave={() => setTip(null)}>
        <div className="overflow-x-auto pb-1" ref={scroller} onScroll={() => setTip(null)}>
          <div role="grid" aria-label={label} aria-rowcount={rows.length} aria-colcount={columns.length + 1} className="min-w-fit space-y-px">
            {rows.map((row, r) => (
              <div key={row.name} role="row" aria-rowindex={r + 1} className="grid items-stretch gap-px" style={{ gridTemplateColumns: template }}>
                <div role="rowheader" aria-colindex={1} className="sticky left-0 z-10 min-w-0 bg-white pr-2">
                  {onSelectRow && !row.share && row.selectable !== false ? (
                    <button
                      type="button"
                      onClick={() => onSelectRow(row.name)}
                      aria-pressed={selectedRow === row.name}
                      className={cn(
                        "block w-full truncate rounded px-1 text-left font-mono text-xs leading-6 hover:bg-slate-100",
                        selectedRow === row.name ? "bg-brand-50 font-semibold text-brand-700" : "text-slate-700",
                      )}
                      title={`Show ${row.label ?? row.name} in the charts`}
                    >
                      {row.label ?? row.name}
                    </button>
                  ) : (
                    <span className={cn("block truncate px-1 text-xs leading-6", row.share ? "font-medium text-slate-800" : "font-mono text-slate-700")} title={row.label ?? row.name}>
                      {row.label ?? row.name}
                    </span>
                  )}
                </div>
                {columns.map((col, c) => {
                  const cell = row.cells[c] ?? null;
                  const active = r === r0 && c === c0;
                  const picked = selectedColumn === c && selectedRow === row.name;
                  return (
                    <div
                      key={c}
                      ref={(el) => {
                        if (el) cells.current.set(`${r}:${c}`, el);
                        else cells.current.delete(`${r}:${c}`);
                      }}
                      role="gridcell"
                      aria-colindex={c + 2}
                      aria-selected={picked || undefined}
                      aria-label={`${formatWindow(col.start, col.end, window)}, ${formatCount(col.rows)} predictions. ${describeCell(row, cell)}`}
                      tabIndex={active ? 0 : -1}
                      onKeyDown={(e) => onKeyDown(e, r, c)}
                      onFocus={(e) => {
                        setFocus({ r, c });
                        showTip(r, c, e.currentTarget);
                      }}
                      onBlur={() => setTip(null)}
                      onMouseEnter={(e) => showTip(r, c, e.currentTarget)}
                      onClick={() => {
                        setFocus({ r, c });
                        onSelectCell?.(row.name, c);
                      }}
                      className={cn(
                        "h-6 cursor-pointer focus-visible:relative focus-visible:z-20 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-slate-900",
                        scaleClass[scaleKey(cell)],
                        picked && "relative z-10 outline-2 outline-offset-1 outline-brand-600",
                      )}
                    />
                  );
                })}
              </div>
            ))}
            <div aria-hidden className="grid gap-px pt-1" style={{ gridTemplateColumns: template }}>
              <span />
              {columns.map((col, c) =>
                c % every === 0 ? (
                  <span key={c} className="relative h-4" style={{ gridColumn: `${c + 2} / span ${Math.min(every, columns.length - c)}` }}>
                    <span className="absolute left-0 border-l border-slate-300 pl-1 text-[10px] whitespace-nowrap text-slate-500" suppressHydrationWarning>
                      {formatTick(col.start)}
                    </span>
                  </span>
                ) : null,
              )}
            </div>
          </div>
        </div>
        {tip && tipRow && tipColumn && (
          <div
            className="pointer-events-none absolute z-30 w-64 rounded-md bg-white px-3 py-2 text-xs shadow-md ring-1 ring-slate-200"
            style={{ left: tip.x, top: tip.y, transform: `translate(-50%, ${tip.below ? "0" : "-100%"})` }}
          >
            <HeatmapTooltip row={tipRow} cell={tipCell} column={tipColumn} window={window} />
          </div>
        )}
      </div>
      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" aria-label="Colour scale">
        {heatmapScale.map((s) => (
          <li key={s.key} className="flex items-center gap-1.5">
            <span className={cn("inline-block size-3 rounded-sm ring-1 ring-slate-200 ring-inset", s.className)} aria-hidden />
            {s.label}
          </li>
        ))}
      </ul>
    </div>
  );
}

function HeatmapTooltip({ row, cell, column, window }: { row: HeatmapRow; cell: HeatmapCell | null; column: HeatmapColumn; window: TimeWindowKind }) {
  const tested = cell !== null && driftSeverity(cell) !== null;
  return (
    <>
      <p className="font-medium text-slate-800">{row.label ?? row.name}</p>
      <p className="mb-1 text-slate-500">
        {formatWindow(column.start, column.end, window)} · {formatCount(column.rows)} predictions
      </p>
      {!tested ? (
        <p className="text-slate-500">{column.rows === 0 ? "No predictions in this window." : "Not tested in this window."}</p>
      ) : row.share ? (
        <p>
          Drift share <span className="font-mono tabular-nums">{formatPercent(cell!.score ?? 0)}</span> of the tested columns:{" "}
          <span className={cell!.drifted ? "font-medium text-red-700" : "text-emerald-700"}>{cell!.drifted ? "dataset drifted" : "no dataset drift"}</span>
        </p>
      ) : (
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5">
          <dt className="text-slate-600">Drift</dt>
          <dd className={cell!.drifted ? "font-medium text-red-700" : "text-emerald-700"}>{cell!.drifted ? "drifted" : "no drift"}</dd>
          <dt className="text-slate-600">Method</dt>
          <dd className="font-mono">{cell!.method}</dd>
          {cell!.pValue !== null && (
            <>
              <dt className="text-slate-600">p-value</dt>
              <dd className="font-mono tabular-nums">{four(cell!.pValue)}</dd>
            </>
          )}
          <dt className="text-slate-600">Score</dt>
          <dd className="font-mono tabular-nums">{four(cell!.score)}</dd>
          <dt className="text-slate-600">Threshold</dt>
          <dd className="font-mono tabular-nums">{four(cell!.threshold)}</dd>
          <dt className="text-slate-600">PSI</dt>
          <dd className="font-mono tabular-nums">{four(cell!.psi)}</dd>
        </dl>
      )}
    </>
  );
}
