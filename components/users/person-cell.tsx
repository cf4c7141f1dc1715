import { Td } from "@/components/ui/table";

/** A table cell naming a person: name, "(you)", status badges, e-mail underneath. */
export function PersonCell({ name, email, isYou, badges }: { name: string; email: string; isYou?: boolean; badges?: React.ReactNode }) {
  return (
    <Td>
      <div className="flex flex-wrap items-center gap-1.5 font-medium text-slate-900">
        {name}
        {isYou && <span className="font-normal text-slate-500">(you)</span>}
        {badges}
      </div>
      <div className="text-slate-500">{email}</div>
    </Td>
  );
}
