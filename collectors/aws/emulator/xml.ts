// Small XML writers for the AWS Query protocol replies: escaping, elements, member lists, the response and error envelopes.

export const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

/** `<Name>value</Name>`, or nothing when the value is undefined/null (AWS omits absent members). */
export function el(name: string, value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${esc(String(value))}</${name}>`;
}

/** An element whose content is already XML. */
export function raw(name: string, inner: string): string {
  return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

/** A Query-protocol list: `<Name><member>…</member>…</Name>`; empty lists are written as `<Name/>` as IAM does. */
export function members<T>(name: string, items: readonly T[], render: (item: T) => string): string {
  if (items.length === 0) return `<${name}/>`;
  let out = `<${name}>`;
  for (const it of items) out += `<member>${render(it)}</member>`;
  return out + `</${name}>`;
}

/** AWS timestamps in XML: second precision, `Z`. */
export function ts(isoOrDate: string | Date): string {
  const d = typeof isoOrDate === 'string' ? new Date(isoOrDate) : isoOrDate;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Policy documents travel URL-encoded (RFC 3986) inside the XML, exactly as IAM returns them. */
export function policyDoc(doc: unknown): string {
  return encodeURIComponent(JSON.stringify(doc)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function okEnvelope(ns: string, action: string, result: string | null, requestId: string): string {
  const body = result === null ? '' : `<${action}Result>${result}</${action}Result>`;
  return `<${action}Response xmlns="${ns}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>\n`;
}

export function errorEnvelope(ns: string, type: 'Sender' | 'Receiver', code: string, message: string, requestId: string): string {
  return `<ErrorResponse xmlns="${ns}"><Error><Type>${type}</Type><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`;
}
