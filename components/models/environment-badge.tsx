import { Badge } from "@/components/ui/badge";

export type EnvironmentName = "staging" | "production";

const environmentLabels: Record<EnvironmentName, string> = { production: "Production", staging: "Staging" };

/** An environment (production, staging). */
export function EnvironmentBadge({ environment }: { environment: EnvironmentName }) {
  return <Badge tone={environment === "production" ? "green" : "violet"}>{environmentLabels[environment] ?? environment}</Badge>;
}

/** A version's alias: environments in their colour, other MLflow aliases (champion, …) neutral. */
export function AliasBadge({ alias }: { alias: string }) {
  if (alias === "production" || alias === "staging") return <EnvironmentBadge environment={alias} />;
  return <Badge className="font-mono">@{alias}</Badge>;
}

export function environmentLabel(environment: EnvironmentName): string {
  return environmentLabels[environment] ?? environment;
}
