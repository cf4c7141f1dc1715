import { cn } from "@/lib/cn";

const control =
  "block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-brand-500 focus:outline-none disabled:bg-slate-50";
const invalid = "ring-red-400 focus:ring-red-500";

interface FieldProps {
  id: string;
  label: string;
  /** Messages for this field from the server (or the client). */
  errors?: string[];
  hint?: React.ReactNode;
  className?: string;
  children: (props: { id: string; "aria-invalid"?: boolean; "aria-describedby"?: string; className: string }) => React.ReactNode;
}

/** Label, control, hint and error, wired with aria-describedby so screen readers read the error with the field. */
export function Field({ id, label, errors, hint, className, children }: FieldProps) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const hasError = Boolean(errors?.length);
  // The hint gives way to the error, so only what is on screen is referenced.
  const describedBy = hasError ? errorId : hint ? hintId : undefined;
  return (
    <div className={cn("space-y-1.5", className)}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {children({
        id,
        "aria-invalid": hasError || undefined,
        "aria-describedby": describedBy,
        className: cn(control, hasError && invalid),
      })}
      {hint && !hasError && (
        <p id={hintId} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
      {hasError && (
        <p id={errorId} className="text-sm text-red-700" role="alert">
          {errors!.join(" ")}
        </p>
      )}
    </div>
  );
}

export const controlClasses = control;
