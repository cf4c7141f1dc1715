import Link from "next/link";
import { Alert } from "@/components/ui/alert";

/** What the project lacks for a pipeline to be saved, each with where to fix it. */
export function FormWarnings({ slug, models, datasets, clusters }: { slug: string; models: number; datasets: number; clusters: number }) {
  return (
    <>
      {models === 0 && (
        <Alert tone="warning">
          This project has no registered model yet, and a pipeline retrains one. Register a first version from a finished run&apos;s page (see{" "}
          <Link href={`/projects/${slug}/runs`} className="font-medium underline">
            Runs
          </Link>
          ), then come back.
        </Alert>
      )}
      {datasets === 0 && (
        <Alert tone="warning">
          This project has no dataset yet. Create one under{" "}
          <Link href={`/projects/${slug}/datasets`} className="font-medium underline">
            Datasets
          </Link>
          : a pipeline validates and trains on its versions.
        </Alert>
      )}
      {clusters === 0 && (
        <Alert tone="warning">
          No cluster is registered yet, so the pipeline could not train and would be refused. Ask an ops user or an admin to register one under{" "}
          <Link href="/clusters" className="font-medium underline">
            Clusters
          </Link>
          .
        </Alert>
      )}
    </>
  );
}
