"use client";

import { Activity, Check, Copy, Rocket } from "lucide-react";
import Link from "next/link";
import { useId, useSyncExternalStore } from "react";
import { Button } from "@/components/ui/button";
import { useClipboard } from "@/components/ui/use-clipboard";
import { Card, CardHeader } from "@/components/ui/card";
import { batchesUrl, ingestTokensUrl, labelsUrl } from "@/lib/monitoring/query-keys";

const noSubscribe = () => () => {};

interface Props {
  slug: string;
  model: string;
  /** The model's page, where versions are promoted. */
  modelHref: string;
  reason: "no-production" | "no-batches";
  /** A typical feature row of the training data, for the example batch. */
  example: Record<string, number | string | boolean>;
}

/** Why there is nothing to show yet, and how production predictions reach Ferry (README: "Send production predictions (monitoring)"). */
export function MonitoringEmpty({ slug, model, modelHref, reason, example }: Props) {
  // The origin the browser reached Ferry at: what the serving code should post to.
  const origin = useSyncExternalStore(noSubscribe, () => window.location.origin, () => "");
  const features = Object.keys(example).length ? example : { tenure_months: 7, plan: "basic" };
  // The current hour once in the browser (the server's render shows the README's example hour).
  const hour = origin ? new Date().toISOString().slice(0, 13) : "2026-11-26T10";
  const row = JSON.stringify({ id: "p-1", timestamp: `${hour}:00:03Z`, features, prediction: "true", score: 0.81 });
  const batch = `{"batchId": "${hour}", "rows": [\n       ${row}]}`;
  const commands = {
    token: `curl -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \\\n     -d '{"name": "${model} serving"}' \\\n     ${origin}${ingestTokensUrl(slug, model)}`,
    batch: `curl -H "Authorization: Bearer $INGEST" -H 'content-type: application/json' \\\n     -d '${batch}' \\\n     ${origin}${batchesUrl(slug, model)}`,
    labels: `curl -H "Authorization: Bearer $INGEST" -H 'content-type: application/json' \\\n     -d '{"labels": [{"id": "p-1", "label": "false"}]}' \\\n     ${origin}${labelsUrl(slug, model)}`,
  };
  return (
    <Card label="Monitoring set-up">
      <div className="flex flex-col items-center px-6 pt-10 pb-6 text-center">
        <div className="rounded-full bg-slate-100 p-3">
          {reason === "no-production" ? <Rocket className="size-6 text-slate-500" aria-hidden /> : <Activity className="size-6 text-slate-500" aria-hidden />}
        </div>
        <h3 className="mt-4 text-sm font-semibold text-slate-900">{reason === "no-production" ? "Nothing in production yet" : "No production predictions received yet"}</h3>
        <p className="mt-1 max-w-xl text-sm text-slate-500">
          {reason === "no-production" ? (
            <>
              Monitoring compares the predictions of the version in production with the data it was trained on. Promote a version to production from{" "}
              <Link href={modelHref} className="font-medium text-brand-700 underline">
                the model&apos;s page
              </Link>
              , then have its serving code send its predictions as below.
            </>
          ) : (
            <>
              Charts of accuracy, drift and feature distributions appear here once the serving code of {model} sends its predictions. Each batch is compared with the
              training data of the version in production.
            </>
          )}
        </p>
      </div>
      <CardHeader
        title="Send production predictions"
        description={
          <>
            As in the &ldquo;Send production predictions (monitoring)&rdquo; section of Ferry&apos;s README. <code className="font-mono text-xs">$TOKEN</code> is your API token
            (Account page); ML engineers, ops and admins may create ingest tokens.
          </>
        }
      />
      <ol className="space-y-5 px-5 py-5 text-sm text-slate-700">
        <li className="space-y-2">
          <p>
            <span className="font-semibold">1. Create an ingest token for {model}.</span> It is shown once and stored hashed; it can only send predictions and labels for this model.
          </p>
          <CommandBlock label="Create an ingest token" value={commands.token} />
        </li>
        <li className="space-y-2">
          <p>
            <span className="font-semibold">2. Post batches of predictions</span> (up to 10,000 rows, gzip welcome) with the features the model saw. Re-sending a{" "}
            <code className="font-mono text-xs">batchId</code> changes nothing; the answer carries the batch&apos;s drift.
          </p>
          <CommandBlock label="Send a batch" value={commands.batch} />
        </li>
        <li className="space-y-2">
          <p>
            <span className="font-semibold">3. Send labels when the true outcomes are known</span>, by prediction id: accuracy, precision and recall are computed from them.
          </p>
          <CommandBlock label="Send labels" value={commands.labels} />
        </li>
      </ol>
    </Card>
  );
}

/** A shell command shown whole (it wraps on narrow screens), with a button that copies it. */
function CommandBlock({ label, value }: { label: string; value: string }) {
  const id = useId();
  const { copied, copy: copyText } = useClipboard();
  const copy = () => copyText(value);
  return (
    <div className="space-y-1.5">
      <div className="flex items-center justify-between gap-2">
        <span id={id} className="text-sm font-medium text-slate-800">
          {label}
        </span>
        <Button variant="secondary" size="sm" onClick={copy} aria-label={`Copy: ${label}`}>
          {copied ? <Check className="size-4 text-emerald-600" aria-hidden /> : <Copy className="size-4" aria-hidden />}
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
      <pre aria-labelledby={id} className="overflow-x-auto rounded-md bg-slate-900 px-3 py-2.5 font-mono text-xs leading-relaxed whitespace-pre-wrap break-all text-slate-100">
        {value}
      </pre>
      <p className="sr-only" role="status">
        {copied ? "Copied to the clipboard." : ""}
      </p>
    </div>
  );
}
