import { cn } from "@/lib/cn";

export interface Column {
  label: string;
  /** Read by screen readers only (e.g. an actions column). */
  srOnly?: boolean;
  className?: string;
}

/** A full-width table in a card: header row from `columns`, rows as children. */
export function Table({ columns, children, label }: { columns: Column[]; children: React.ReactNode; label?: string }) {
  return (
    // relative: keeps absolutely positioned sr-only headers inside the scroll box (no page-wide overflow on phones).
    <div className="relative overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label={label}>
        <thead className="border-b border-slate-100 text-xs text-slate-500 uppercase">
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" className={cn("px-5 py-2.5 font-medium", c.className)}>
                {c.srOnly ? <span className="sr-only">{c.label}</span> : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}

export function Td({ className, children, ...rest }: React.TdHTMLAttributes<HTMLTableCellElement>) {
  return (
    <td className={cn("px-5 py-3", className)} {...rest}>
      {children}
    </td>
  );
}

export function EmptyRow({ colSpan, children }: { colSpan: number; children: React.ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan} className="px-5 py-8 text-center text-slate-500">
        {children}
      </td>
    </tr>
  );
}
