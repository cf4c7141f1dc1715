"use client";

import { Check, Copy } from "lucide-react";
import { Button } from "@/components/ui/button";
import { useClipboard } from "@/components/ui/use-clipboard";

/** A long value (digest, commit) shown short, with a button that copies all of it. */
export function CopyValue({ value, shown, what }: { value: string; shown?: string; what: string }) {
  const { copied, copy: copyText } = useClipboard();
  const copy = () => copyText(value);
  return (
    <span className="inline-flex items-center gap-1.5">
      <code className="font-mono text-xs break-all text-slate-800" title={value}>
        {shown ?? value}
      </code>
      <Button variant="ghost" size="sm" className="h-6 px-1.5" onClick={copy} aria-label={`Copy the full ${what}`}>
        {copied ? <Check className="size-3.5 text-emerald-600" aria-hidden /> : <Copy className="size-3.5" aria-hidden />}
      </Button>
      <span className="sr-only" role="status">
        {copied ? `The full ${what} was copied to the clipboard.` : ""}
      </span>
    </span>
  );
}
