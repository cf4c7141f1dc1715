import { ShieldX } from "lucide-react";
import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

/** What a page shows instead of its content when authorize() refuses. */
export function Forbidden({ reason }: { reason: string }) {
  return (
    <Card>
      <EmptyState
        icon={ShieldX}
        title="You don't have access to this page"
        action={
          <Link href="/" className={buttonClasses("secondary")}>
            Back to your home page
          </Link>
        }
      >
        {reason}
      </EmptyState>
    </Card>
  );
}
