"use client";

import { Plus, Trash2 } from "lucide-react";
import { useActionState, useState } from "react";
import { ValidationBadge } from "@/components/datasets/validation-badge";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { controlClasses, Field } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type ActionState } from "@/lib/actions/state";
import { cn } from "@/lib/cn";
import type { DriftMethod } from "@/lib/monitoring/drift";
import { updateMonitoringSettingsAction } from "@/lib/monitoring/actions";
import { columnSettingSchema, driftMethodLabels, driftMethods, MAX_CONFIGURED_COLUMNS, type ColumnSettings } from "@/lib/monitoring/settings-schemas";

type Status = "pass" | "warn" | "fail" | "none";
type ColumnInfo = { name: string; type: string };

export interface Candidate {
  value: string;
  dataset: string;
  version: number;
  validationStatus: Status;
  rows: number | null;
  columns: ColumnInfo[];
}

interface Row {
  key: number;
  column: string;
  method: DriftMethod | "";
  threshold: string;
}
type RowErrors = Partial<Record<"column" | "method" | "threshold", string>>;

const validationWords: Record<Status, string> = { pass: "validation passed", warn: "validation warnings", fail: "validation failed", none: "no validation rules" };
/** Only these column types are compared (lib/monitoring/reference.ts). */
const tested = new Set(["numeric", "categorical", "boolean"]);

const toRows = (columns: ColumnSettings): Row[] =>
  Object.entries(columns).map(([column, c], key) => ({ key, column, method: c.method ?? "", threshold: c.threshold === undefined ? "" : String(c.threshold) }));

/** The same rules as columnSettingsSchema, per row, so each message lands next to its field. */
function validate(rows: Row[], types: ReadonlyMap<string, string>): { columns: ColumnSettings; errors: Map<number, RowErrors> } {
  const errors = new Map<number, RowErrors>();
  const seen = new Set<string>();
  const columns: ColumnSettings = {};
  for (const row of rows) {
    const e: RowErrors = {};
    if (row.column.trim() === "") e.column = "Choose a column.";
    else if (seen.has(row.column)) e.column = "This column already has a setting.";
    seen.add(row.column);
    const text = row.threshold.trim();
    const threshold = text === "" ? undefined : Number(text);
    if (threshold !== undefined && Number.isNaN(threshold)) e.threshold = "Use a number, e.g. 0.05.";
    else {
      const parsed = columnSettingSchema.safeParse({ method: row.method || undefined, threshold });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const message = issue.message.replace(/^threshold /, "The threshold ");
        if (issue.path[0] === "method") e.method = message;
        else e.threshold = `${message[0]!.toUpperCase()}${message.slice(1)}.`;
      } else if (!e.column && (parsed.data.method !== undefined || parsed.data.threshold !== undefined)) {
        columns[row.column] = parsed.data;
      }
    }
    if (row.method === "" && text === "") e.method = "Choose a method, a threshold, or both (or remove the row).";
    // The drift module leaves such a column untested: say so before saving.
    const type = types.get(row.column);
    if ((row.method === "ks" || row.method === "wasserstein") && type !== undefined && type !== "numeric") {
      e.method = `${row.method === "ks" ? "KS" : "Wasserstein"} applies to numeric columns only; ${row.column} is ${type}.`;
    }
    if (Object.keys(e).length) errors.set(row.key, e);
  }
  return { columns, errors };
}

const canonical = (reference: string, columns: ColumnSettings) =>
  JSON.stringify([reference, Object.entries(columns).sort(([a], [b]) => a.localeCompare(b)).map(([n, c]) => [n, c.method ?? null, c.threshold ?? null])]);

/** Chooses the reference dataset version and edits the per-column method and threshold; saved at once. */
export function MonitoringSettingsForm({
  projectSlug,
  modelName,
  reference,
  defaultReference,
  configuredSchema,
  candidates,
  columns,
  defaultThresholds,
}: {
  projectSlug: string;
  modelName: string;
  /** The saved choice: "dataset@version", or "" for the production version's training data. */
  reference: string;
  /** The production version's training data, when there is one. */
  defaultReference: { dataset: string; version: number; productionVersion: number | null; hasSample: boolean; schema: ColumnInfo[] } | null;
  /** Columns of the saved choice (in case it is not among the candidates). */
  configuredSchema: ColumnInfo[];
  candidates: Candidate[];
  columns: ColumnSettings;
  defaultThresholds: Readonly<Record<DriftMethod, number>>;
}) {
  const [state, action] = useActionState<ActionState, FormData>(updateMonitoringSettingsAction, idleState);
  const [choice, setChoice] = useState(reference);
  const [rows, setRows] = useState<Row[]>(() => toRows(columns));
  const [nextKey, setNextKey] = useState(() => Object.keys(columns).length);
  const [added, setAdded] = useState<number | null>(null);
  const [showErrors, setShowErrors] = useState(false);
  const selected = candidates.find((c) => c.value === choice);
  const schema = choice === "" ? (defaultReference?.schema ?? []) : (selected?.columns ?? (choice === reference ? configuredSchema : []));
  const columnOptions = schema.filter((c) => tested.has(c.type));

  const { columns: parsed, errors } = validate(rows, new Map(columnOptions.map((c) => [c.name, c.type])));
  const visibleErrors = showErrors ? errors : new Map<number, RowErrors>();
  const dirty = canonical(choice, parsed) !== canonical(reference, columns) || rows.length !== Object.keys(columns).length;
  const fieldErrors = state.status === "error" ? state.fieldErrors : undefined;
  const formMessage = state.status === "error" && !fieldErrors ? state.message : undefined;
  const byDataset = new Map<string, Candidate[]>();
  for (const c of candidates) byDataset.set(c.dataset, [...(byDataset.get(c.dataset) ?? []), c]);
  const savedMissing = reference !== "" && !candidates.some((c) => c.value === reference);

  const update = (key: number, patch: Partial<Row>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const add = () => {
    const unused = columnOptions.find((c) => !rows.some((r) => r.column === c.name));
    setRows((rs) => [...rs, { key: nextKey, column: unused?.name ?? "", method: "", threshold: "" }]);
    setAdded(nextKey);
    setNextKey((k) => k + 1);
  };

  return (
    <form
      action={action}
      noValidate
      className="space-y-5"
      onSubmit={(e) => {
        if (errors.size > 0) {
          e.preventDefault();
          setShowErrors(true);
        }
      }}
    >
      <input type="hidden" name="projectSlug" value={projectSlug} />
      <input type="hidden" name="modelName" value={modelName} />
      <input type="hidden" name="columns" value={JSON.stringify(parsed)} />

      <div className="flex flex-wrap items-start gap-3">
        <Field
          id="monitoring-reference"
          label="Reference dataset version"
          errors={fieldErrors?.reference}
          hint="Uploaded versions of this project's datasets (versions registered by URI have no stored sample to compare with)."
          className="max-w-xl min-w-72 flex-1"
        >
          {(p) => (
            <select {...p} name="reference" value={choice} onChange={(e) => setChoice(e.target.value)}>
              <option value="">{`Training data of the production version (default)${defaultReference ? ` — now ${defaultReference.dataset} v${defaultReference.version}` : " — nothing in production yet"}`}</option>
              {savedMissing && <option value={reference}>{reference.replace(/@(\d+)$/, " v$1")}</option>}
              {[...byDataset].map(([dataset, versions]) => (
                <optgroup key={dataset} label={dataset}>
                  {versions.map((c) => (
                    <option key={c.value} value={c.value}>
                      {`${c.dataset} v${c.version}${c.rows !== null ? ` · ${c.rows.toLocaleString("en-US")} rows` : ""} · ${validationWords[c.validationStatus]}`}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          )}
        </Field>
        {selected && (
          <div className="sm:mt-8">
            <ValidationBadge status={selected.validationStatus} label={`${selected.dataset} v${selected.version}: ${validationWords[selected.validationStatus]}`} />
          </div>
        )}
      </div>
      {choice === "" && defaultReference && !defaultReference.hasSample && (
        <Alert tone="warning">
          The production version was trained on {defaultReference.dataset} v{defaultReference.version}, registered by URI: without a stored sample no drift is computed. Choose an uploaded version.
        </Alert>
      )}

      <fieldset className="space-y-3">
        <legend className="text-sm font-medium text-slate-800">Per-column method and threshold</legend>
        <p className="text-xs text-slate-500">
          Columns without a setting use Evidently&apos;s default: KS (numeric) or chi-square / Z-test on references of up to 1,000 rows, normed Wasserstein or Jensen–Shannon above.
          P-value tests drift when p falls below the threshold (KS: at or below it); distances when the score reaches it. A batch drifts when at least half of its columns do.
        </p>
        {rows.length > 0 && (
          <div className="relative overflow-x-auto">
            <table className="w-full text-left text-sm" aria-label="Column settings (editable)">
              <thead className="text-xs text-slate-500 uppercase">
                <tr>
                  <th scope="col" className="py-2 pr-3 font-medium">Column</th>
                  <th scope="col" className="py-2 pr-3 font-medium">Method</th>
                  <th scope="col" className="py-2 pr-3 font-medium">Threshold</th>
                  <th scope="col" className="py-2 font-medium">
                    <span className="sr-only">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row, i) => {
                  const e = visibleErrors.get(row.key) ?? {};
                  const n = i + 1;
                  const known = columnOptions.some((c) => c.name === row.column);
                  return (
                    <tr key={row.key} className="align-top">
                      <Cell id={`column-${row.key}-name`} label={`Column of setting ${n}`} error={e.column}>
                        {(p) =>
                          columnOptions.length > 0 ? (
                            <select {...p} value={row.column} autoFocus={row.key === added} onChange={(ev) => update(row.key, { column: ev.target.value })} className={cn(p.className, "font-mono")}>
                              {row.column === "" && <option value="">Choose a column…</option>}
                              {!known && row.column !== "" && <option value={row.column}>{`${row.column} (not in this reference)`}</option>}
                              {columnOptions.map((c) => (
                                <option key={c.name} value={c.name}>{`${c.name} (${c.type})`}</option>
                              ))}
                            </select>
                          ) : (
                            <input
                              {...p}
                              value={row.column}
                              autoFocus={row.key === added}
                              onChange={(ev) => update(row.key, { column: ev.target.value })}
                              autoComplete="off"
                              placeholder="feature name"
                              className={cn(p.className, "font-mono")}
                            />
                          )
                        }
                      </Cell>
                      <Cell id={`column-${row.key}-method`} label={`Method for ${row.column || `setting ${n}`}`} error={e.method}>
                        {(p) => (
                          <select {...p} value={row.method} onChange={(ev) => update(row.key, { method: ev.target.value as Row["method"] })}>
                            <option value="">Evidently default</option>
                            {driftMethods.map((m) => (
                              <option key={m} value={m}>
                                {driftMethodLabels[m]}
                              </option>
                            ))}
                          </select>
                        )}
                      </Cell>
                      <Cell id={`column-${row.key}-threshold`} label={`Threshold for ${row.column || `setting ${n}`}`} error={e.threshold}>
                        {(p) => (
                          <input
                            {...p}
                            value={row.threshold}
                            onChange={(ev) => update(row.key, { threshold: ev.target.value })}
                            inputMode="decimal"
                            autoComplete="off"
                            placeholder={row.method ? `default ${defaultThresholds[row.method]}` : "default"}
                          />
                        )}
                      </Cell>
                      <td className="py-1.5">
                        <Button variant="ghost" size="sm" onClick={() => setRows((rs) => rs.filter((r) => r.key !== row.key))} aria-label={`Remove setting ${n}${row.column ? ` (${row.column})` : ""}`}>
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
        <Button variant="secondary" size="sm" onClick={add} disabled={rows.length >= MAX_CONFIGURED_COLUMNS}>
          <Plus className="size-4" aria-hidden /> Add column setting
        </Button>
      </fieldset>

      {showErrors && errors.size > 0 && <Alert tone="error">Fix the highlighted column settings before saving.</Alert>}
      {fieldErrors?.columns && <Alert tone="error">{fieldErrors.columns.join(" ")}</Alert>}
      {fieldErrors?.modelName && <Alert tone="error">{fieldErrors.modelName.join(" ")}</Alert>}
      {formMessage && <Alert tone="error">{formMessage}</Alert>}
      {state.status === "success" && state.message && !dirty && <Alert tone="success">{state.message}</Alert>}
      <div className="flex flex-wrap items-center gap-2 border-t border-slate-100 pt-4">
        {/* Disabled only when there is nothing to save: SubmitButton keeps its own pending state otherwise. */}
        <SubmitButton pendingLabel="Saving…" {...(dirty ? {} : { disabled: true, "aria-disabled": true })}>
          Save monitoring settings
        </SubmitButton>
        {dirty && (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => {
              setChoice(reference);
              setRows(toRows(columns));
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
  children: (p: { id: string; className: string; "aria-invalid"?: boolean; "aria-describedby"?: string }) => React.ReactNode;
}) {
  return (
    <td className="py-1.5 pr-3">
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      {children({
        id,
        className: cn(controlClasses, "min-w-40 py-1.5", error && "ring-red-400 focus:ring-red-500"),
        "aria-invalid": error ? true : undefined,
        "aria-describedby": error ? `${id}-error` : undefined,
      })}
      {error && (
        <p id={`${id}-error`} className="mt-1 max-w-72 text-xs text-red-700">
          {error}
        </p>
      )}
    </td>
  );
}
