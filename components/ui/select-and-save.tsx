"use client";

import { useEffect, useRef, useState } from "react";
import { cn } from "@/lib/cn";
import { controlClasses } from "./field";
import { SubmitButton } from "./submit-button";

interface Props {
  id: string;
  name: string;
  /** Accessible label (visually hidden). */
  label: string;
  /** The saved value. */
  value: string;
  options: readonly { value: string; label: string }[];
  className?: string;
}

/**
 * A select inside a form that offers "Save" once its value differs from the saved one. Saving is
 * explicit so keyboard users can move through the options without submitting each of them.
 */
export function SelectAndSave(props: Props) {
  // Uncontrolled, and remounted when a new saved value arrives: React resets a form after its action
  // runs, which puts an uncontrolled select back on its default — the saved value.
  return <Inner key={props.value} {...props} />;
}

function Inner({ id, name, label, value, options, className }: Props) {
  const [dirty, setDirty] = useState(false);
  const ref = useRef<HTMLSelectElement>(null);
  useEffect(() => {
    const form = ref.current?.form;
    const onReset = () => setDirty(false);
    form?.addEventListener("reset", onReset);
    return () => form?.removeEventListener("reset", onReset);
  }, []);
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <select
        ref={ref}
        id={id}
        name={name}
        defaultValue={value}
        onChange={(e) => setDirty(e.target.value !== value)}
        className={cn(controlClasses, "py-1.5", className)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {dirty && (
        <SubmitButton size="sm" pendingLabel="Saving…" aria-label={`Save ${label.charAt(0).toLowerCase()}${label.slice(1)}`}>
          Save
        </SubmitButton>
      )}
    </div>
  );
}
