import Link from "next/link";
import { Logo } from "@/components/shell/logo";
import { buttonClasses } from "@/components/ui/button";

export default function NotFound() {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-4 px-4 text-center">
      <Logo />
      <h1 className="mt-4 text-2xl font-semibold text-slate-900">Page not found</h1>
      <p className="max-w-md text-sm text-slate-600">
        It does not exist, or you are not a member of the project it belongs to.
      </p>
      <Link href="/" className={buttonClasses("secondary")}>
        Back to your home page
      </Link>
    </main>
  );
}
