"use client";

import { Check, Copy } from "lucide-react";
import { useRef } from "react";
import { cn } from "@/lib/cn";
import { Button } from "./button";
import { controlClasses } from "./field";
import { useClipboard } from "./use-clipboard";

/** A read-only value with a copy button; `multiline` for commands that wrap. */
export function CopyField({
  id,
  label,
  value,
  copyLabel,
  multiline = false,
  autoFocus = false,
}: {
  id: string;
  label: string;
  value: string;
  /** Accessible name of the button, e.g. "Copy token". */
  copyLabel: string;
  multiline?: boolean;
  autoFocus?: boolean;
}) {
  const { copied, copy: copyText } = useClipboard();
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const copy = () => copyText(value);

  const className = cn(controlClasses, "min-w-0 flex-1 basis-80 font-mono text-xs");
  const common = {
    id,
    readOnly: true,
    value,
    spellCheck: false,
    autoFocus,
    onFocus: (e: React.FocusEvent<HTMLInputElement | HTMLTextAreaElement>) => e.currentTarget.select(),
  };
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <div className="flex flex-wrap items-start gap-2">
        {multiline ? <textarea ref={ref} {...common} rows={3} className={cn(className, "resize-none")} /> : <input ref={ref} {...common} className={className} />}
        <Button variant="secondary" onClick={copy} aria-label={copyLabel}>
          {copied ? <Check className="size-4 text-emerald-600" aria-hidden /> : <Copy className="size-4" aria-hidden />}
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      <p className="sr-only" role="status">
        {copied ? "Copied to the clipboard." : ""}
      </p>
    </div>
  );
}
