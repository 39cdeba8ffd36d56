/**
 * For the operations that still act on the default repository only (the guided setup, the OIDC move): when the
 * selector shows another repository, say that the page is the default repository's, rather than showing its state as
 * the chosen one's. Nothing when the default is shown.
 */
export function DefaultRepositoryOnly({ operation, shown, defaultRepository, testId, children }: { operation: string; shown: string; defaultRepository: string; testId: string; children?: React.ReactNode }) {
  if (shown.toLowerCase() === defaultRepository.toLowerCase()) return null;
  return (
    <p className="mb-4 rounded border border-sky-200 bg-sky-50 p-3 text-sm text-sky-950" data-testid={testId}>
      {operation} acts on the default repository, {defaultRepository}: the state below is that repository&apos;s, not {shown}&apos;s. {children}
    </p>
  );
}
