"use client";

import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";

/** A long value (digest, commit) shown short, with a button that copies all of it. */
export function CopyValue({ value, shown, what }: { value: string; shown?: string; what: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // No clipboard API outside secure contexts (plain http on a server name): the old way.
      const area = document.createElement("textarea");
      area.value = value;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.append(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      if (!ok) return;
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2500);
  }
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
