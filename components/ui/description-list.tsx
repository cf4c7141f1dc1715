/** Label / value pairs in a card body. */
export function DescriptionList({ items }: { items: { label: string; value: React.ReactNode }[] }) {
  return (
    <dl className="space-y-3 px-5 py-4 text-sm">
      {items.map((item) => (
        <div key={item.label}>
          <dt className="text-slate-500">{item.label}</dt>
          <dd className="mt-0.5 text-slate-800">{item.value}</dd>
        </div>
      ))}
    </dl>
  );
}
