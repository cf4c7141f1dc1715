"use client";

import { Plus, X } from "lucide-react";
import { useEffect, useRef } from "react";
import { Button } from "@/components/ui/button";
import { controlClasses } from "@/components/ui/field";
import { cn } from "@/lib/cn";
import { MAX_PARAM_ROWS, paramKeyField, paramValueField } from "@/lib/runs/launch-form-fields";

export type ParamRow = { id: number; key: string; value: string };

export const toParamRows = (params: { key: string; value: string }[]): ParamRow[] => params.map((p, i) => ({ id: i, ...p }));

/**
 * Name / value rows sent as params.<i>.key and params.<i>.value (the launch form's field names), with
 * one error line for the whole list, wired to the fieldset with aria-describedby.
 */
export function ParamRows({
  idPrefix,
  legend,
  hint,
  rows,
  setRows,
  errors,
  placeholder = { key: "epochs", value: "30" },
  children,
}: {
  idPrefix: string;
  legend: string;
  hint: React.ReactNode;
  rows: ParamRow[];
  setRows: React.Dispatch<React.SetStateAction<ParamRow[]>>;
  errors?: string[];
  placeholder?: { key: string; value: string };
  /** Below the rows: notes such as placeholders no parameter sets. */
  children?: React.ReactNode;
}) {
  const focusKey = useRef<number | null>(null);
  const update = (id: number, patch: Partial<ParamRow>) => setRows((rs) => rs.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  const add = () => {
    const id = rows.reduce((max, r) => Math.max(max, r.id), -1) + 1;
    focusKey.current = id;
    setRows((rs) => [...rs, { id, key: "", value: "" }]);
  };
  useEffect(() => {
    if (focusKey.current === null) return;
    document.getElementById(`${idPrefix}-key-${focusKey.current}`)?.focus();
    focusKey.current = null;
  }, [rows, idPrefix]);
  const hasError = Boolean(errors?.length);
  const cls = cn(controlClasses, "py-1.5 font-mono text-xs", hasError && "ring-red-300");

  return (
    <fieldset className="space-y-2" aria-describedby={hasError ? `${idPrefix}-error` : `${idPrefix}-hint`}>
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      <p id={`${idPrefix}-hint`} className="text-xs text-slate-500">
        {hint}
      </p>
      {rows.length > 0 && (
        <div className="grid grid-cols-[minmax(0,1fr)_minmax(0,1fr)_auto] gap-2" role="group" aria-label={`${legend}: rows`}>
          <span className="text-xs font-medium text-slate-500" aria-hidden>
            Name
          </span>
          <span className="text-xs font-medium text-slate-500" aria-hidden>
            Value
          </span>
          <span />
          {rows.map((r, i) => (
            <Row key={r.id} idPrefix={idPrefix} row={r} index={i} className={cls} placeholder={placeholder} invalid={hasError} onChange={(p) => update(r.id, p)} onRemove={() => setRows((rs) => rs.filter((x) => x.id !== r.id))} />
          ))}
        </div>
      )}
      <Button variant="secondary" size="sm" onClick={add} disabled={rows.length >= MAX_PARAM_ROWS}>
        <Plus className="size-4" aria-hidden /> Add parameter
      </Button>
      {hasError && (
        <p id={`${idPrefix}-error`} className="text-sm text-red-700" role="alert">
          {errors!.join(" ")}
        </p>
      )}
      {children}
    </fieldset>
  );
}

function Row({
  idPrefix,
  row,
  index,
  className,
  placeholder,
  invalid,
  onChange,
  onRemove,
}: {
  idPrefix: string;
  row: ParamRow;
  index: number;
  className: string;
  placeholder: { key: string; value: string };
  invalid: boolean;
  onChange: (p: Partial<ParamRow>) => void;
  onRemove: () => void;
}) {
  const n = index + 1;
  const common = { spellCheck: false, autoCapitalize: "off", autoComplete: "off", className, "aria-invalid": invalid || undefined } as const;
  return (
    <>
      <input
        {...common}
        id={`${idPrefix}-key-${row.id}`}
        name={paramKeyField(index)}
        aria-label={`Parameter ${n} name`}
        value={row.key}
        onChange={(e) => onChange({ key: e.target.value })}
        placeholder={placeholder.key}
      />
      <input
        {...common}
        name={paramValueField(index)}
        aria-label={`Parameter ${n} value`}
        value={row.value}
        onChange={(e) => onChange({ value: e.target.value })}
        placeholder={row.key.trim() ? "" : placeholder.value}
      />
      <Button variant="ghost" size="sm" onClick={onRemove} aria-label={`Remove parameter ${n}`} title="Remove">
        <X className="size-4" aria-hidden />
      </Button>
    </>
  );
}
