"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { Activity, FolderPlus, KeyRound, Loader2, UserMinus, UserPlus, UserCog } from "lucide-react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDateTime, formatRelative } from "@/lib/format";
import type { ActivityPage } from "@/lib/projects/queries";
import { activityUrl, projectKeys } from "@/lib/projects/query-keys";

const icons: Record<string, typeof Activity> = {
  "project.create": FolderPlus,
  "member.add": UserPlus,
  "member.remove": UserMinus,
  "member.change_persona": UserCog,
  "user.change_password": KeyRound,
};

async function fetchPage(slug: string, cursor: number | null): Promise<ActivityPage> {
  const res = await fetch(activityUrl(slug, cursor));
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `Could not load activity (HTTP ${res.status}).`);
  }
  return res.json();
}

export function ActivityFeed({ slug }: { slug: string }) {
  const query = useInfiniteQuery({
    queryKey: projectKeys.activity(slug),
    queryFn: ({ pageParam }) => fetchPage(slug, pageParam),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: 30_000,
  });

  if (query.isPending) {
    return (
      <div className="flex items-center gap-2 px-5 py-8 text-sm text-slate-500" role="status">
        <Loader2 className="size-4 animate-spin" aria-hidden /> Loading activity…
      </div>
    );
  }
  if (query.isError) {
    return (
      <div className="px-5 py-4">
        <Alert tone="error">
          {query.error.message}{" "}
          <button type="button" className="font-medium underline" onClick={() => query.refetch()}>
            Retry
          </button>
        </Alert>
      </div>
    );
  }
  const items = query.data.pages.flatMap((p) => p.items);
  if (items.length === 0) {
    return <EmptyState icon={Activity} title="No activity yet">Changes to this project will show up here.</EmptyState>;
  }
  return (
    <div>
      <ol className="divide-y divide-slate-100" aria-label="Project activity">
        {items.map((item) => {
          const Icon = icons[item.action] ?? Activity;
          return (
            <li key={item.id} className="flex gap-3 px-5 py-3">
              <span className="mt-0.5 grid size-7 shrink-0 place-items-center rounded-full bg-slate-100 text-slate-600">
                <Icon className="size-3.5" aria-hidden />
              </span>
              <div className="min-w-0 flex-1">
                <p className="text-sm text-slate-800">{item.summary}</p>
                <p className="mt-0.5 text-xs text-slate-500">
                  <time dateTime={item.at} title={formatDateTime(item.at)} suppressHydrationWarning>
                    {formatRelative(item.at)}
                  </time>
                  {" · "}
                  <span className="font-mono">{item.action}</span>
                </p>
              </div>
            </li>
          );
        })}
      </ol>
      {query.hasNextPage && (
        <div className="border-t border-slate-100 px-5 py-3">
          <Button variant="secondary" size="sm" onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
            {query.isFetchingNextPage && <Loader2 className="size-4 animate-spin" aria-hidden />}
            Load older activity
          </Button>
        </div>
      )}
    </div>
  );
}
