// Option parsing the benchmarks share: a bad number is a usage error (exit 2) naming the option.

/** `--name`'s value as a positive integer, `def` when absent. */
export function positive(name: string, v: string | undefined, def: number): number {
  const n = v === undefined ? def : Number(v);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name}: expected a positive integer, got ${v}\n`);
    process.exit(2);
  }
  return n;
}
