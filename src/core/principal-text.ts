// How a principal reads in tables, reports and logs: one spelling everywhere (pure, no imports, so the bundled
// verifier can recompute reports with it).

/** A principal as one line: `token:alice (admin)`, `session:alice (viewer)`, `local:alice@host`. */
export function describePrincipal(p: { kind: string; name: string; role?: string | undefined }): string {
  return p.kind === 'local' ? `local:${p.name}` : `${p.kind}:${p.name} (${p.role ?? ''})`;
}

/** A principal read back from a stored leaf (unknown until checked): its line, or '' when it is not a principal. */
export function describeStoredPrincipal(p: unknown): string {
  if (typeof p !== 'object' || p === null) return '';
  const { kind, name, role } = p as Record<string, unknown>;
  if (typeof kind !== 'string' || typeof name !== 'string') return '';
  return describePrincipal({ kind, name, ...(typeof role === 'string' ? { role } : {}) });
}
