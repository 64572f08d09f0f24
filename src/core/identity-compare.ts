// Whether two names denote the same person, for separation of duties (requester ≠ approver): compared after NFKC,
// removal of default-ignorable code points, case folding, the address of a display-name form, and a confusable
// skeleton in the manner of Unicode TR39 (UTS #39 §4), so `alice` and `alice\u200b`, `аlice` (Cyrillic а) or
// `Alice <alice@example.com>` are the same person. Conservative by design: a false "same" only refuses an approval.

/**
 * Confusable characters → their prototype, a SUBSET of Unicode's confusables.txt (UTS #39 data,
 * https://www.unicode.org/Public/security/latest/confusables.txt, the `MA` table): the Cyrillic, Greek, Armenian and
 * Latin-extension letters that look like basic Latin letters, and the digit/letter pairs (0/O, 1/l, I/l), plus `rn`/`m`.
 * Fullwidth, mathematical and other compatibility forms are not listed: NFKC folds them first. Targets are lower-case
 * basic Latin letters or digits (where the file's prototype is a small capital or another look-alike, the nearest basic
 * letter stands in), and the table is applied both before and after case folding (see identityKeys). Not the whole
 * file (about 6,000 entries): a look-alike outside this subset is not caught.
 */
const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic small
  '\u0430': 'a', '\u0431': '6', '\u0432': 'b', '\u0435': 'e', '\u0437': '3', '\u043a': 'k', '\u043c': 'm', '\u043d': 'h', '\u043e': 'o', '\u043f': 'n',
  '\u0440': 'p', '\u0441': 'c', '\u0442': 't', '\u0443': 'y', '\u0445': 'x', '\u044c': 'b', '\u0455': 's', '\u0456': 'i', '\u0458': 'j',
  '\u04bb': 'h', '\u04cf': 'l', '\u0501': 'd', '\u050d': 'g', '\u051b': 'q', '\u051d': 'w', '\u0461': 'w', '\u0475': 'v', '\u04bd': 'e',
  // Cyrillic capital (for the skeleton taken before case folding)
  '\u0410': 'a', '\u0412': 'b', '\u0415': 'e', '\u041a': 'k', '\u041c': 'm', '\u041d': 'h', '\u041e': 'o', '\u0420': 'p', '\u0421': 'c',
  '\u0422': 't', '\u0423': 'y', '\u0425': 'x', '\u0405': 's', '\u0406': 'l', '\u0408': 'j', '\u04c0': 'l', '\u051c': 'w', '\u0417': '3',
  // Greek small
  '\u03b1': 'a', '\u03b2': 'b', '\u03b3': 'y', '\u03b5': 'e', '\u03b9': 'i', '\u03ba': 'k', '\u03bd': 'v', '\u03bf': 'o', '\u03c1': 'p',
  '\u03c3': 'o', '\u03c4': 't', '\u03c5': 'u', '\u03c7': 'x', '\u03f2': 'c', '\u03f3': 'j', '\u03c9': 'w',
  // Greek capital
  '\u0391': 'a', '\u0392': 'b', '\u0395': 'e', '\u0396': 'z', '\u0397': 'h', '\u0399': 'l', '\u039a': 'k', '\u039c': 'm', '\u039d': 'n',
  '\u039f': 'o', '\u03a1': 'p', '\u03a4': 't', '\u03a5': 'y', '\u03a7': 'x', '\u03f9': 'c', '\u037f': 'j',
  // Armenian
  '\u0585': 'o', '\u057d': 'u', '\u0561': 'w', '\u0581': 'g', '\u0570': 'h', '\u0578': 'n', '\u057c': 'n', '\u0584': 'p', '\u0566': 'q',
  // Latin extensions and IPA
  '\u0131': 'i', '\u0237': 'j', '\u0251': 'a', '\u0261': 'g', '\u0269': 'i', '\u026a': 'i', '\u029f': 'l', '\u0274': 'n', '\u0280': 'r',
  '\u028f': 'y', '\u1d00': 'a', '\u1d04': 'c', '\u1d05': 'd', '\u1d07': 'e', '\u1d0b': 'k', '\u1d0d': 'm', '\u1d0f': 'o', '\u1d18': 'p',
  '\u1d1b': 't', '\u1d1c': 'u', '\u1d20': 'v', '\u1d21': 'w', '\u1d22': 'z', '\u01c0': 'l', '\u0433': 'r',
  // digits and letters that confusables.txt maps together (0 → O, 1 → l, I → l, | → l)
  '0': 'o', '1': 'l', I: 'l', '|': 'l',
};

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
const COMBINING = /\p{M}/gu;

/** NFKC, default-ignorable code points removed, whitespace collapsed and trimmed: the name as a person reads it. */
export function normaliseIdentity(s: string): string {
  return s.normalize('NFKC').replace(IGNORABLE, '').replace(/\s+/gu, ' ').trim();
}

/** The address of `Display Name <addr>` (or `<addr>`); otherwise the string itself. */
export function addressOf(s: string): string {
  const m = /<([^<>]+)>$/u.exec(s);
  return m ? m[1]!.trim() : s;
}

/**
 * The confusable skeleton of a string (UTS #39 §4 with the subset table above): decomposed, each mapped character
 * replaced by its prototype, combining marks dropped (so `é` and `e` match: stricter than TR39, which keeps them), `rn`
 * read as `m`.
 */
export function skeleton(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFD')) out += CONFUSABLES[ch] ?? ch;
  return out.replace(COMBINING, '').replace(/rn/g, 'm');
}

/**
 * The comparison keys of a name: the skeleton of its case-folded address, and the case-folded skeleton of it (the
 * skeleton before folding catches `I`/`l`, after folding catches a capital Cyrillic letter). Plus-addressing
 * (`alice+x@…`) is dropped.
 */
export function identityKeys(name: string): string[] {
  const addr = addressOf(normaliseIdentity(name)).replace(/^([^@+]+)\+[^@]*@/u, '$1@');
  const keys = new Set([skeleton(addr.toLowerCase()), skeleton(addr).toLowerCase(), skeleton(skeleton(addr).toLowerCase())]);
  return [...keys];
}

/**
 * Whether two names may denote the same person. Equal keys, or — when exactly one of them is an address (`alice@…`,
 * including a local principal's `user@host`) — the other equal to its local part.
 */
export function sameIdentity(a: string, b: string): boolean {
  const ka = identityKeys(a);
  const kb = identityKeys(b);
  if (ka.some((k) => kb.includes(k))) return true;
  const local = (k: string) => (k.includes('@') ? k.slice(0, k.lastIndexOf('@')) : undefined);
  for (const x of ka) for (const y of kb) if ((local(x) !== undefined) !== (local(y) !== undefined) && (local(x) ?? x) === (local(y) ?? y)) return true;
  return false;
}
