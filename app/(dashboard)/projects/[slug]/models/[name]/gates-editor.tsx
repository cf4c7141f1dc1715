"use client";

import { Plus, Trash2 } from "lucide-react";
import { useActionState, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { controlClasses } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { cn } from "@/lib/cn";
import { updateGatesAction } from "@/lib/models/actions";

interface Rule {
  metric: string;
  minValue: number | null;
  maxDrop: number | null;
}

interface Row {
  key: number;
  metric: string;
  minValue: string;
  maxDrop: string;
}

type RowErrors = Partial<Record<"metric" | "minValue" | "maxDrop", string>>;

const metricPattern = /^[\w./ -]+$/;

const toRow = (r: Rule, key: number): Row => ({ key, metric: r.metric, minValue: r.minValue === null ? "" : String(r.minValue), maxDrop: r.maxDrop === null ? "" : String(r.maxDrop) });

function parseNumber(s: string): number | null | "invalid" {
  const t = s.trim();
  if (t === "") return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : "invalid";
}

/** The same rules as gateRulesSchema, checked here so each message lands next to its field. */
function validate(rows: Row[]): { rules: Rule[]; errors: Map<number, RowErrors> } {
  const errors = new Map<number, RowErrors>();
  const seen = new Set<string>();
  const rules: Rule[] = [];
  for (const row of rows) {
    const e: RowErrors = {};
    const metric = row.metric.trim();
    if (!metric) e.metric = "Name the metric.";
    else if (!metricPattern.test(metric)) e.metric = "Use letters, digits, '_', '-', '.', '/' and spaces.";
    else if (seen.has(metric)) e.metric = "This metric already has a rule.";
    seen.add(metric);
    const min = parseNumber(row.minValue);
    const drop = parseNumber(row.maxDrop);
    if (min === "invalid") e.minValue = "Use a number, e.g. 0.8.";
    if (drop === "invalid") e.maxDrop = "Use a number, e.g. 0.02.";
    else if (drop !== null && drop < 0) e.maxDrop = "The allowed drop cannot be negative.";
    if (min === null && drop === null) e.minValue = "Set a minimum, an allowed drop, or both.";
    if (Object.keys(e).length) errors.set(row.key, e);
    rules.push({ metric, minValue: typeof min === "number" ? min : null, maxDrop: typeof drop === "number" ? drop : null });
  }
  return { rules, errors };
}

/** Rules compare equal whatever their order (the server keeps them sorted by metric). */
function canonical(rules: Rule[]): string {
  return JSON.stringify([...rules].sort((a, b) => a.metric.localeCompare(b.metric)).map((r) => [r.metric, r.minValue, r.maxDrop]));
}

/** Add, change and remove a model's gate rules; saved all at once as a JSON list. */
export function GatesEditor({ projectSlug, modelName, rules, suggestions }: { projectSlug: string; modelName: string; rules: Rule[]; suggestions: string[] }) {
  const [state, action] = useActionState<ActionState, FormData>(updateGatesAction, idleState);
  const [rows, setRows] = useState<Row[]>(() => rules.map(toRow));
  const [nextKey, setNextKey] = useState(rules.length);
  // A row added with "Add rule" takes the focus, so keyboard users type its metric at once.
  const [added, setAdded] = useState<number | null>(null);
  const [showErrors, setShowErrors] = useState(false);
  const { rules: parsed, errors } = validate(rows);
  const visibleErrors = showErrors ? errors : new Map<number, RowErrors>();
  const serverError = state.status === "error" ? (state.fieldErrors ? Object.values(state.fieldErrors).flat().join(" ") : state.message) : undefined;
  const dirty = canonical(parsed) !== canonical(rules);

  const update = (key: number, patch: Partial<Row>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const add = () => {
    setRows((rs) => [...rs, { key: nextKey, metric: "", minValue: "", maxDrop: "" }]);
    setAdded(nextKey);
    setNextKey((k) => k + 1);
  };

  return (
    <form
      action={action}
      noValidate
      className="space-y-3"
      aria-describedby={serverError ? "gates-server-error" : undefined}
      onSubmit={(e) => {
        if (errors.size > 0) {
          e.preventDefault();
          setShowErrors(true);
        }
      }}
    >
      <input type="hidden" name="projectSlug" value={projectSlug} />
      <input type="hidden" name="modelName" value={modelName} />
      <input type="hidden" name="rules" value={JSON.stringify(parsed)} />
      <datalist id="gate-metric-suggestions">
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      {rows.length === 0 ? (
        <p className="text-sm text-slate-500">No metric rules: only the fixed gates (run succeeded, dataset validation passed) apply.</p>
      ) : (
        <div className="relative overflow-x-auto">
          <table className="w-full text-left text-sm" aria-label="Gate rules (editable)">
            <thead className="text-xs text-slate-500 uppercase">
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">Metric</th>
                <th scope="col" className="py-2 pr-3 font-medium">Minimum</th>
                <th scope="col" className="py-2 pr-3 font-medium">Max drop vs production</th>
                <th scope="col" className="py-2 font-medium">
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => {
                const e = visibleErrors.get(row.key) ?? {};
                const n = i + 1;
                return (
                  <tr key={row.key} className="align-top">
                    <Cell id={`gate-${row.key}-metric`} label={`Metric of rule ${n}`} error={e.metric}>
                      {(p) => (
                        <input
                          {...p}
                          value={row.metric}
                          onChange={(ev) => update(row.key, { metric: ev.target.value })}
                          list="gate-metric-suggestions"
                          autoComplete="off"
                          autoFocus={row.key === added}
                          placeholder="accuracy"
                          className={cn(p.className, "font-mono")}
                        />
                      )}
                    </Cell>
                    <Cell id={`gate-${row.key}-min`} label={`Minimum ${row.metric || "value"} (rule ${n})`} error={e.minValue}>
                      {(p) => <input {...p} value={row.minValue} onChange={(ev) => update(row.key, { minValue: ev.target.value })} inputMode="decimal" placeholder="none" />}
                    </Cell>
                    <Cell id={`gate-${row.key}-drop`} label={`Largest allowed drop of ${row.metric || "the metric"} below production (rule ${n})`} error={e.maxDrop}>
                      {(p) => <input {...p} value={row.maxDrop} onChange={(ev) => update(row.key, { maxDrop: ev.target.value })} inputMode="decimal" placeholder="none" />}
                    </Cell>
                    <td className="py-1.5">
                      <Button
                        variant="ghost"
                        size="sm"
                        onClick={() => setRows((rs) => rs.filter((r) => r.key !== row.key))}
                        aria-label={`Remove rule ${n}${row.metric ? ` (${row.metric})` : ""}`}
                      >
                        <Trash2 className="size-4" aria-hidden />
                      </Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {showErrors && errors.size > 0 && <Alert tone="error">Fix the highlighted rules before saving.</Alert>}
      {serverError && (
        <div id="gates-server-error">
          <Alert tone="error">{serverError}</Alert>
        </div>
      )}
      {state.status === "success" && state.message && !dirty && <Alert tone="success">{state.message}</Alert>}
      <div className="flex flex-wrap items-center gap-2">
        <Button variant="secondary" size="sm" onClick={add} disabled={rows.length >= 50}>
          <Plus className="size-4" aria-hidden /> Add rule
        </Button>
        {/* Disabled only when there is nothing to save: SubmitButton keeps its own pending state otherwise. */}
        <SubmitButton size="sm" pendingLabel="Saving…" {...(dirty ? {} : { disabled: true, "aria-disabled": true })}>
          Save gates
        </SubmitButton>
        {dirty && (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => {
              setRows(rules.map(toRow));
              setShowErrors(false);
            }}
          >
            Undo changes
          </Button>
        )}
        {dirty && <span className="text-xs text-slate-500">Unsaved changes</span>}
      </div>
    </form>
  );
}

function Cell({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  children: (p: { id: string; className: string; "aria-invalid"?: boolean; "aria-describedby"?: string; "aria-label"?: string }) => React.ReactNode;
}) {
  return (
    <td className="py-1.5 pr-3">
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      {children({
        id,
        className: cn(controlClasses, "min-w-32 py-1.5", error && "ring-red-400 focus:ring-red-500"),
        "aria-invalid": error ? true : undefined,
        "aria-describedby": error ? `${id}-error` : undefined,
      })}
      {error && (
        <p id={`${id}-error`} className="mt-1 text-xs text-red-700">
          {error}
        </p>
      )}
    </td>
  );
}
