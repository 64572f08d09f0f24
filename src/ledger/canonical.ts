// RFC 8785 (JCS) canonical JSON: the exact bytes a ledger leaf is hashed and stored as.
import canonicalize from 'canonicalize';
import { AppError } from '../core/errors.js';

/**
 * Thrown when a value has no canonical JSON form. JSON.stringify would silently drop or coerce these
 * (undefined, NaN, Dates, Buffers), and a leaf that silently lost a field is worse than one that was refused.
 */
export class CanonicalJsonError extends AppError {
  readonly path: string;
  constructor(path: string, problem: string) {
    super('LEDGER_NOT_CANONICAL', `cannot encode ${path} as canonical JSON: ${problem}`);
    this.name = 'CanonicalJsonError';
    this.path = path;
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function renderPath(root: string, path: readonly (string | number)[]): string {
  let out = root;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  }
  return out;
}

/**
 * One pass that both refuses anything outside the I-JSON data model and writes JCS. For well-formed strings and
 * finite numbers, JSON.stringify already emits exactly what RFC 8785 §3.2.2 prescribes (ECMAScript string escaping
 * and Number-to-String), and the default sort compares UTF-16 code units as §3.2.3 requires. The `canonicalize`
 * package is the reference this is tested against; it walks every string character in JS, which made it the
 * slowest step of ledger intake.
 */
function serialize(value: unknown, root: string, path: (string | number)[], stack: Set<object>): string {
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new CanonicalJsonError(renderPath(root, path), 'string contains a lone UTF-16 surrogate');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(renderPath(root, path), `number ${String(value)} is not finite`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (stack.has(value)) throw new CanonicalJsonError(renderPath(root, path), 'circular reference');
      stack.add(value);
      let out: string;
      if (Array.isArray(value)) {
        out = '[';
        for (let i = 0; i < value.length; i++) {
          path.push(i);
          if (!(i in value)) throw new CanonicalJsonError(renderPath(root, path), 'sparse array hole');
          out += (i === 0 ? '' : ',') + serialize(value[i], root, path, stack);
          path.pop();
        }
        out += ']';
      } else {
        const proto = Object.getPrototypeOf(value) as unknown;
        if (proto !== Object.prototype && proto !== null) {
          const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
          throw new CanonicalJsonError(renderPath(root, path), `${kind} is not a plain object (convert it first, e.g. a Date to an ISO string)`);
        }
        const keys = Object.keys(value).sort();
        out = '{';
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i] as string;
          if (LONE_SURROGATE.test(k)) throw new CanonicalJsonError(renderPath(root, path), `key ${JSON.stringify(k)} contains a lone UTF-16 surrogate`);
          path.push(k);
          out += `${i === 0 ? '' : ','}${JSON.stringify(k)}:${serialize((value as Record<string, unknown>)[k], root, path, stack)}`;
          path.pop();
        }
        out += '}';
      }
      stack.delete(value);
      return out;
    }
    default:
      throw new CanonicalJsonError(renderPath(root, path), `${typeof value} has no JSON form`);
  }
}

/** Canonical JSON text of `value` (RFC 8785). Throws CanonicalJsonError naming the offending path. */
export function canonicalString(value: unknown, rootName = '$'): string {
  return serialize(value, rootName, [], new Set());
}

/** The `canonicalize` package's output, after the same strict checks; the reference canonicalString is tested against. */
export function canonicalStringReference(value: unknown): string {
  canonicalString(value);
  const out = canonicalize(value);
  if (out === undefined) throw new CanonicalJsonError('$', 'no JSON form');
  return out;
}

/** Canonical JSON as UTF-8 bytes: what gets hashed and stored. */
export function canonicalBytes(value: unknown, rootName = '$'): Buffer {
  return Buffer.from(canonicalString(value, rootName), 'utf8');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Whether `bytes` are already the canonical form of the JSON they encode. A lint, never part of hashing:
 * verifiers hash stored bytes as they are and only report a non-canonical leaf.
 */
export function isCanonicalJson(bytes: Uint8Array): boolean {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return false;
  }
  if (text.charCodeAt(0) === 0xfeff) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  try {
    return canonicalString(parsed) === text;
  } catch {
    return false;
  }
}

/** Decodes stored leaf bytes as strict UTF-8 JSON; throws on invalid UTF-8 or JSON. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  return JSON.parse(strictUtf8.decode(bytes));
}
