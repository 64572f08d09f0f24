// Measures every function in the project's TypeScript sources, so long ones (a whole subsystem in one body) are listed by name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// The TypeScript in node_modules is the native compiler (no JS API); rolldown (vite's bundler) ships the oxc parser.
import { parseAst } from 'rolldown/parseAst';
import { sourceFiles } from './imports.js';

/** One function and how many lines it spans, from its first line to its closing brace. */
export interface FunctionLength {
  /** File relative to the repository root, `/`-separated. */
  file: string;
  /** 1-based line the function starts on. */
  line: number;
  /** Its own name, `Class.method`, or the variable or property it is assigned to; `(anonymous)` otherwise. */
  name: string;
  lines: number;
}

type Node = { type: string; start: number; end: number; [k: string]: unknown };

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

function keyName(key: unknown): string | undefined {
  const k = key as { type?: string; name?: string; value?: unknown } | undefined;
  if (k?.type === 'Identifier' || k?.type === 'PrivateIdentifier') return k.name;
  if (k && typeof k.value === 'string') return k.value;
  return undefined;
}

/** Every function with a body under `folders`, with its length in lines. */
export function functionLengths(root: string, folders: readonly string[]): FunctionLength[] {
  const out: FunctionLength[] = [];
  for (const file of sourceFiles(root, folders)) {
    const text = readFileSync(join(root, file), 'utf8');
    const lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
    const lineOf = (pos: number): number => {
      let lo = 0;
      let hi = lineStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (lineStarts[mid]! <= pos) lo = mid;
        else hi = mid - 1;
      }
      return lo + 1;
    };
    const visit = (node: unknown, name: string | undefined, owner: string | undefined): void => {
      if (Array.isArray(node)) {
        for (const n of node) visit(n, undefined, owner);
        return;
      }
      if (!node || typeof node !== 'object' || typeof (node as Node).type !== 'string') return;
      const n = node as Node;
      let childName: string | undefined;
      let childOwner = owner;
      if (FUNCTION_TYPES.has(n.type) && n.body) {
        const own = keyName(n.id);
        const label = own ?? name ?? '(anonymous)';
        out.push({ file, line: lineOf(n.start), name: owner && !own ? `${owner}.${label}` : label, lines: lineOf(n.end) - lineOf(n.start) + 1 });
      } else if (n.type === 'ClassDeclaration' || n.type === 'ClassExpression') {
        childOwner = keyName(n.id) ?? name;
      } else if (n.type === 'VariableDeclarator') {
        childName = keyName(n.id);
      } else if (n.type === 'MethodDefinition' || n.type === 'Property' || n.type === 'PropertyDefinition') {
        childName = keyName(n.key);
      }
      for (const [k, v] of Object.entries(n)) {
        if (k === 'type' || k === 'start' || k === 'end' || !v || typeof v !== 'object') continue;
        // A name applies to the value it is given to, not to nested functions further down.
        visit(v, k === 'init' || k === 'value' ? childName : undefined, childOwner);
      }
    };
    visit(parseAst(text, { lang: 'ts' }, file), undefined, undefined);
  }
  return out;
}

/** Functions longer than `max` lines under `folders`, longest first, as `file:line name (N lines)`. */
export function longFunctions(root: string, folders: readonly string[], max: number): string[] {
  return functionLengths(root, folders)
    .filter((f) => f.lines > max)
    .sort((a, b) => b.lines - a.lines)
    .map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`);
}

// `npx tsx test/support/function-lengths.ts [max] [folder…]` prints the long functions of the tree (default: 120, src collectors rules).
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const [max = '120', ...folders] = process.argv.slice(2);
  const root = new URL('../..', import.meta.url).pathname;
  const long = longFunctions(root, folders.length > 0 ? folders : ['src', 'collectors', 'rules'], Number(max));
  console.log(long.length > 0 ? long.join('\n') : `no function over ${max} lines`);
}
