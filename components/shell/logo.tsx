import { Ship } from "lucide-react";

export function Logo({ className }: { className?: string }) {
  return (
    <span className={`inline-flex items-center gap-2 font-semibold tracking-tight ${className ?? ""}`}>
      <span className="grid size-8 place-items-center rounded-lg bg-brand-600 text-white shadow-sm">
        <Ship className="size-5" aria-hidden />
      </span>
      <span className="text-lg">Ferry</span>
    </span>
  );
}
