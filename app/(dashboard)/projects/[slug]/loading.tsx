import { PageSkeleton } from "@/components/ui/page-skeleton";

// Deliberately below the project layout: the layout's notFound() must run before streaming starts,
// so that unknown projects answer a real 404.
export default function Loading() {
  return <PageSkeleton />;
}
