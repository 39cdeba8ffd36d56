/** A plain form post (app/sign-in/github/route.ts): signing in works before the page has hydrated, or without JavaScript. */
export function SignInButton({ callbackUrl }: { callbackUrl: string }) {
  return (
    <form method="post" action="/sign-in/github">
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <button type="submit" className="w-full rounded-md bg-slate-900 px-4 py-2.5 text-sm font-semibold text-white hover:bg-slate-700">
        Sign in with GitHub
      </button>
    </form>
  );
}
