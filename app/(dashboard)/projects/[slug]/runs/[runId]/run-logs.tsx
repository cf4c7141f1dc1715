"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowDown, RefreshCw, ScrollText } from "lucide-react";
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { formatCount } from "@/lib/format";
import { runKeys, runLogsUrl, type RunLogsJson } from "@/lib/tracking/views";

const TAIL = 500;
/** Lines kept in the browser; older ones are dropped from the top as new ones arrive. */
const KEEP = 5000;
const POLL_MS = 2000;

async function getLogs(url: string): Promise<RunLogsJson> {
  const res = await fetch(url);
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string } | null;
    throw new Error(body?.error ?? `Could not load the logs (HTTP ${res.status}).`);
  }
  return res.json();
}

/** The last lines first, then only what is new: each poll asks for the lines after the last one held. */
async function fetchMore(slug: string, runId: string, prev: RunLogsJson | undefined): Promise<RunLogsJson> {
  let acc = prev ?? (await getLogs(runLogsUrl(slug, runId, { tail: TAIL })));
  // A burst of output can exceed one page: catch up, a few pages at most per poll.
  for (let i = 0; i < 5 && (prev ? true : acc.next < acc.total); i++) {
    const page = await getLogs(runLogsUrl(slug, runId, { after: acc.next }));
    acc = { from: acc.from, lines: [...acc.lines, ...page.lines], next: page.next, total: page.total };
    if (page.lines.length === 0 || page.next >= page.total) break;
  }
  const drop = Math.max(0, acc.lines.length - KEEP);
  return drop ? { ...acc, from: acc.from + drop, lines: acc.lines.slice(drop) } : acc;
}

/** The job's combined stdout and stderr, following new lines while the run is live. */
export function RunLogs({ slug, runId, live, started }: { slug: string; runId: string; live: boolean; started: boolean }) {
  const queryClient = useQueryClient();
  const key = runKeys.logs(slug, runId);
  const query = useQuery({
    queryKey: key,
    queryFn: () => fetchMore(slug, runId, queryClient.getQueryData<RunLogsJson>(key)),
    refetchInterval: live ? POLL_MS : false,
    staleTime: live ? 0 : Infinity,
  });
  // When the run ends, fetch once more: its last lines may have arrived after the previous poll.
  const wasLive = useRef(live);
  useEffect(() => {
    if (wasLive.current && !live) void queryClient.invalidateQueries({ queryKey: key, exact: true });
    wasLive.current = live;
  });

  const logs = query.data;
  return (
    <Card>
      <CardHeader
        title="Logs"
        description={logs && logs.total > 0 ? describeRange(logs) : "Standard output and error of the job, as the agent sends them."}
        actions={
          live && (
            <p className="flex items-center gap-1.5 text-xs text-slate-500">
              <RefreshCw className={query.isFetching ? "size-3.5 animate-spin" : "size-3.5"} aria-hidden /> Following: every 2 s
            </p>
          )
        }
      />
      {query.isError && (
        <div className="px-5 pt-4">
          <Alert tone="error">{query.error.message} {logs ? "Showing the lines received so far." : ""}</Alert>
        </div>
      )}
      {query.isPending ? (
        <div role="status" aria-label="Loading logs" className="space-y-2 p-5">
          {[0, 1, 2, 3].map((i) => (
            <div key={i} className="h-3 animate-pulse rounded bg-slate-200" style={{ width: `${80 - i * 15}%` }} />
          ))}
        </div>
      ) : !logs || logs.lines.length === 0 ? (
        <EmptyState icon={ScrollText} title="No output yet">
          {started ? "The job has not written anything so far." : live ? "Output appears here once the job starts on a cluster." : "The job ended without writing any output."}
        </EmptyState>
      ) : (
        <LogLines logs={logs} />
      )}
    </Card>
  );
}

function describeRange(logs: RunLogsJson): string {
  if (logs.lines.length === 0) return `${formatCount(logs.total)} lines`;
  const first = logs.from + 1;
  const last = logs.from + logs.lines.length;
  return first === 1 ? `${formatCount(last)} line${last === 1 ? "" : "s"}` : `Lines ${formatCount(first)}–${formatCount(last)} of ${formatCount(logs.total)} (earlier lines are not shown)`;
}

/** Line-numbered output that sticks to the bottom unless the reader has scrolled up. */
function LogLines({ logs }: { logs: RunLogsJson }) {
  const box = useRef<HTMLDivElement>(null);
  const [atBottom, setAtBottom] = useState(true);
  const last = logs.from + logs.lines.length;
  useLayoutEffect(() => {
    if (atBottom && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [last, atBottom]);
  const width = `${String(last).length + 1}ch`;
  return (
    <div className="relative">
      <div
        ref={box}
        tabIndex={0}
        role="region"
        aria-label="Log output"
        onScroll={(e) => {
          const el = e.currentTarget;
          setAtBottom(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
        }}
        className="max-h-[28rem] overflow-auto rounded-b-lg bg-slate-950 py-2 font-mono text-xs leading-5 text-slate-100"
      >
        {logs.lines.map((line, i) => (
          <div key={logs.from + i} className="flex gap-3 px-3 hover:bg-white/5">
            <span className="shrink-0 text-right text-slate-500 select-none" style={{ width }} aria-hidden>
              {logs.from + i + 1}
            </span>
            <span className="min-w-0 break-all whitespace-pre-wrap">{line || " "}</span>
          </div>
        ))}
      </div>
      {!atBottom && (
        <Button
          size="sm"
          className="absolute right-4 bottom-3 shadow-md"
          onClick={() => {
            setAtBottom(true);
            box.current?.scrollTo({ top: box.current.scrollHeight });
          }}
        >
          <ArrowDown className="size-4" aria-hidden /> Jump to latest
        </Button>
      )}
    </div>
  );
}
