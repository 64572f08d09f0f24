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

function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Refuses anything outside the I-JSON data model instead of letting it be coerced. */
function check(value: unknown, path: string, stack: Set<object>): void {
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new CanonicalJsonError(path, 'string contains a lone UTF-16 surrogate');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `number ${String(value)} is not finite`);
      return;
    case 'boolean':
      return;
    case 'object': {
      if (value === null) return;
      if (stack.has(value)) throw new CanonicalJsonError(path, 'circular reference');
      if (Array.isArray(value)) {
        stack.add(value);
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) throw new CanonicalJsonError(`${path}[${i}]`, 'sparse array hole');
          check(value[i], `${path}[${i}]`, stack);
        }
        stack.delete(value);
        return;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        throw new CanonicalJsonError(path, `${kind} is not a plain object (convert it first, e.g. a Date to an ISO string)`);
      }
      stack.add(value);
      for (const [k, v] of Object.entries(value)) {
        if (LONE_SURROGATE.test(k)) throw new CanonicalJsonError(path, `key ${JSON.stringify(k)} contains a lone UTF-16 surrogate`);
        check(v, keyPath(path, k), stack);
      }
      stack.delete(value);
      return;
    }
    default:
      throw new CanonicalJsonError(path, `${typeof value} has no JSON form`);
  }
}

/** Canonical JSON text of `value` (RFC 8785). Throws CanonicalJsonError naming the offending path. */
export function canonicalString(value: unknown, rootName = '$'): string {
  check(value, rootName, new Set());
  const out = canonicalize(value);
  if (out === undefined) throw new CanonicalJsonError(rootName, 'no JSON form');
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
