// Reads the import statements of the project's TypeScript sources without compiling them, for the architecture test.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One module specifier a file names, with where it does so. */
export interface ImportRef {
  /** Importing file, relative to the repository root, `/`-separated. */
  file: string;
  /** 1-based line of the statement. */
  line: number;
  specifier: string;
  /** Resolved target relative to the root (`src/core/types.ts`), or undefined for a package or builtin. */
  target?: string;
  /** `import type`, `export type`, every named binding marked `type`, or an `import('…')` used as a type. */
  typeOnly: boolean;
}

/** Every `.ts` file under the given top-level folders, relative to `root`, `/`-separated and sorted. */
export function sourceFiles(root: string, folders: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  for (const f of folders) if (existsSync(join(root, f))) walk(join(root, f));
  return out.sort();
}

// Statements start at the beginning of a line in this codebase (formatter-enforced), so anchoring there keeps
// strings and comments that merely mention `import` out without a full parser.
const STATIC = /^(import|export)\b([^;'"]*?)\bfrom\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)(\s*\.)?/g;

function isTypeOnly(clause: string): boolean {
  const c = clause.trim();
  if (/^type\b/.test(c)) return true;
  const braces = /^\{([^}]*)\}$/.exec(c);
  if (!braces) return false;
  const names = braces[1]!.split(',').map((n) => n.trim()).filter(Boolean);
  return names.length > 0 && names.every((n) => /^type\s/.test(n));
}

function resolveTarget(root: string, file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const abs = resolve(root, dirname(file), specifier);
  const candidates = [abs.replace(/\.js$/, '.ts'), abs, `${abs}.ts`, join(abs, 'index.ts')];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? candidates[0]!;
  return relative(root, hit).split(sep).join('/');
}

/** The imports and re-exports of one file (static, side-effect and dynamic `import()`). */
export function importsOf(root: string, file: string): ImportRef[] {
  const text = readFileSync(join(root, file), 'utf8');
  const lineAt = (index: number): number => text.slice(0, index).split('\n').length;
  const out: ImportRef[] = [];
  for (const m of text.matchAll(STATIC)) {
    const specifier = (m[3] ?? m[4])!;
    out.push({ file, line: lineAt(m.index), specifier, target: resolveTarget(root, file, specifier), typeOnly: m[4] === undefined && isTypeOnly(m[2]!) });
  }
  for (const m of text.matchAll(DYNAMIC)) {
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const before = text.slice(lineStart, m.index).trim();
    if (before.startsWith('//') || before.startsWith('*')) continue;
    // `import('ioredis').Redis` in a type position names a type; `await import('./emulator.js')` loads code.
    const typeOnly = m[2] !== undefined && !/\bawait\s*$|\bthen\s*$|[=(,]\s*$/.test(before);
    out.push({ file, line: lineAt(m.index), specifier: m[1]!, target: resolveTarget(root, file, m[1]!), typeOnly });
  }
  return out.sort((a, b) => a.line - b.line);
}

/** Import cycles among `files` (strongly connected components of two or more files, or a file importing itself). */
export function importCycles(refs: readonly ImportRef[], files: readonly string[]): string[][] {
  const known = new Set(files);
  const edges = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const r of refs) if (r.target && known.has(r.target)) edges.get(r.file)!.push(r.target);
  // Tarjan's algorithm, iterative over an explicit stack so a deep graph cannot overflow the call stack.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  for (const start of files) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }];
    index.set(start, next); low.set(start, next); next++; stack.push(start); onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const out = edges.get(top.node)!;
      if (top.i < out.length) {
        const w = out[top.i++]!;
        if (!index.has(w)) {
          index.set(w, next); low.set(w, next); next++; stack.push(w); onStack.add(w);
          work.push({ node: w, i: 0 });
        } else if (onStack.has(w)) low.set(top.node, Math.min(low.get(top.node)!, index.get(w)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const scc: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== top.node);
        if (scc.length > 1 || edges.get(top.node)!.includes(top.node)) cycles.push(scc.sort());
      }
    }
  }
  return cycles;
}
