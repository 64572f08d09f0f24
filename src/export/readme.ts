// The bundle's README.txt: steps an auditor runs with standard tools, in order, that write nothing into the bundle and pin the key they recorded out of band.
import type { ReportParams } from './report.js';
import { BUNDLE_FORMAT } from './files.js';
import type { AppendixEntry } from './replay-appendix.js';

/**
 * Every command is indented by exactly five spaces (test/export/readme-steps.test.ts runs them, in order, with bash).
 * Scratch files go to a temporary folder: a file written into the bundle would make the last step fail (UNLISTED_FILE).
 * The key is never taken from the bundle on trust: the auditor compares its fingerprint with the one the company gave
 * them at the start of the engagement (`vigil ledger key`), because a bundle forged and re-signed with a fresh key is
 * otherwise self-consistent.
 */
export function bundleReadme(keyId: string, p: ReportParams, s: number, e: number, timestamps = 0, witness?: { cosignatures: number; witnesses: string[] }, rotations = 0, appendix: readonly AppendixEntry[] = []): string {
  const what = p.type === 2 ? `Type 2 period ${p.from} to ${p.to} (${p.tz}) = [${p.start}, ${p.end})` : `Type 1 state as of the close of ${p.asOf} (${p.tz}) = ${p.end}`;
  const key = `keys/ledger-${keyId}.pub.pem`;
  return `Vigil evidence bundle (${BUNDLE_FORMAT})
${what}
Ledger leaves ${s}..${e - 1}, covered by the signed checkpoints in ledger/checkpoints/.

This bundle checks itself with standard tools (bash, sha256sum, gzip, openssl 3), then with the bundled verifier.
Do not let tools change line endings (git autocrlf, "smart" unzip): that would, correctly, break verification.
Run the steps in a shell in the bundle folder; they write nothing into it.

0. The key. At the start of the engagement the company gives you, out of band (not in this bundle), the fingerprint
   of its ledger key: \`vigil ledger key\` prints it as SHA256:<64 hex digits>, the SHA-256 of the key's DER
   SubjectPublicKeyInfo. Signatures prove only that the evidence was not changed since it was signed by that key; a
   bundle re-signed with another key checks out in every step below except the fingerprint comparisons. Set it:
   FP='SHA256:<the fingerprint you recorded>'
1. Every file is listed and unmodified (SHA256SUMS lists the files as stored, so the .gz files by their
   compressed bytes), and each attachment (gzip, named by the SHA-256 of its uncompressed content) matches its name
   (no BAD line = every attachment matches; read one with gzip -dc FILE):
     sha256sum --quiet -c SHA256SUMS
     for f in attachments/sha256/*/*.gz; do [ "$(gzip -dc "$f" | sha256sum | cut -c1-64)" = "$(basename "$f" .gz)" ] || { echo "BAD $f"; false; }; done
${rotations > 0 ? rotatedKeyStep(key, rotations) : `2. The key in this bundle is the key you recorded:
     [ "SHA256:$(openssl pkey -pubin -in ${key} -outform DER | sha256sum | cut -c1-64)" = "$FP" ] && echo "key fingerprint matches" || { echo "KEY FINGERPRINT DIFFERS from the one you recorded: do not rely on this bundle"; false; }
`}3. The manifest note is signed by that key and commits to this SHA256SUMS (scratch files in a temporary folder):
     T="$(mktemp -d)"
     awk '/^$/{exit} {print}' manifest.note > "$T/body.txt"
     grep '^— ' manifest.note | head -1 | awk '{print $3}' | base64 -d | tail -c +5 > "$T/sig.bin"
     openssl pkeyutl -verify -pubin -inkey ${key} -rawin -in "$T/body.txt" -sigfile "$T/sig.bin"
     [ "sums sha256:$(sha256sum SHA256SUMS | cut -c1-64)" = "$(grep '^sums sha256:' manifest.note)" ] && echo "SHA256SUMS is the signed one" || { echo "SHA256SUMS DIFFERS from the signed manifest note"; false; }
     rm -r "$T"
   Each ledger/checkpoints/<size>.checkpoint verifies the same way${rotations > 0 ? ', with the key active at its size (ledger/key-chain.json)' : ''}.
4. Recompute the Merkle tree from the leaves, check it against every checkpoint, check the attachments, and
   recompute every report file byte for byte (Node.js 18 or later, no other software), pinned to your fingerprint:
     node verify/verify.mjs . --trusted-fingerprint "$FP"
   Exit 0 = intact and signed by the key you pinned; 1 = integrity failure (each fault names the file, leaf seq and
   what differs), or signed by another key (KEY_NOT_PINNED); 2 = bad usage. Never pin ${key} itself: it came with
   the bundle, so it proves only that the bundle is consistent with itself.
${timestamps > 0 ? timestampStep(timestamps) : ''}${witness && witness.cosignatures > 0 ? witnessStep(timestamps > 0 ? 6 : 5, witness) : ''}${appendix.length > 0 ? appendixNote(appendix) : ''}
Layout: ledger/ (frontier at the slice start, leaves as canonical JSON lines by UTC day, checkpoints),
attachments/sha256/<aa>/<sha256>.gz (results blobs and raw API payloads the leaves reference, gzip), framework/ (criteria
mapping used for the report), report/ (report.html, summary.json, coverage.csv, timeline.csv, gaps.csv,
deviations.csv (failure episodes), risk-acceptances.csv (exceptions in force at the start, approved or granted, revoked or expired, with who asked and who approved), changes.csv,
populations/, snapshots/ (gzip), samples/, oscal-assessment-results.json),
verify/verify.mjs (the verifier, one file, no dependencies)${timestamps > 0 ? ', timestamps/index.tsv (which checkpoint each RFC 3161 token in attachments/ time-stamps)' : ''}${witness && witness.cosignatures > 0 ? ', ledger/witness/ (witness cosignatures, anchor checkpoints, consistency proofs)' : ''}.
`;
}

/**
 * Step 5, when the bundle carries time stamps: each token checked by OpenSSL against the TSA's root, which the auditor
 * takes from the TSA, never from the bundle. Every line of the loop is one README command (five-space indent).
 */
function timestampStep(n: number): string {
  return `5. Time stamps. This bundle carries ${n} RFC 3161 time stamp${n === 1 ? '' : 's'} of day seals: each proves that the
   checkpoint it names existed when the time-stamping authority (TSA) signed it, so the evidence up to that checkpoint
   was not rebuilt later, not even by whoever holds the ledger key. What is time-stamped is the SHA-256 of the
   checkpoint note's body: its lines up to the first blank line, each ending in a newline. Take the TSA's root
   certificate from the TSA itself (not from this bundle), set TSA_CA=/path/to/TSA-CA.pem, then check each line of
   timestamps/index.tsv (checkpoint, SHA-256, token, time, serial, TSA):
     T="$(mktemp -d)"
     grep -v '^#' timestamps/index.tsv | while IFS=$'\\t' read -r cp digest token gentime serial tsa; do
     [ "$(awk '/^$/{exit} {print}' "$cp" | sha256sum | cut -c1-64)" = "$digest" ] || { echo "CHECKPOINT DIGEST DIFFERS: $cp"; exit 1; }
     gzip -dc "$token" > "$T/token.tst"
     echo "$cp, time-stamped at $gentime by $tsa (serial $serial):"
     openssl ts -verify -digest "$digest" -in "$T/token.tst" -token_in -CAfile "$TSA_CA" || { echo "TIME STAMP FAILS: $cp"; exit 1; }
     done
     rm -r "$T"
   The bundled verifier checks the same (and names any token that fails): node verify/verify.mjs . --tsa-ca "$TSA_CA"
`;
}

/** The appendix, when the export attached rule replays: what it is, what it is not, and what the verifier checks of it. */
function appendixNote(appendix: readonly AppendixEntry[]): string {
  return `
APPENDIX: WHAT-IF, NOT EVIDENCE. ${appendix.map((a) => a.file).join(', ')} ${appendix.length === 1 ? 'is a rule replay' : 'are rule replays'}
   (vigil export --replay): the period's stored resource snapshots re-evaluated with the rule as it was at export
   (its logicSha256 and params are in the file), and per day where its verdicts would differ from the recorded ones.
   They say what a changed rule would have said; they are not what was recorded, and the ledger was not changed.
   SHA256SUMS lists them like every file (step 1); the verifier (step 4) checks each is listed in manifest.json,
   carries this label and the bundle's period, and that every "recorded" verdict it quotes is the one in the
   bundle's results. It cannot recompute the "replayed" verdicts: neither the rule's code nor the resource
   snapshots are in the bundle (run vigil rules replay on the ledger for that).
`;
}

/** The witness step, when the bundle carries cosignatures: checked with the witness keys the auditor got from the witnesses. */
function witnessStep(n: number, w: { cosignatures: number; witnesses: string[] }): string {
  return `${n}. Witnesses. This bundle carries ${w.cosignatures} cosignature${w.cosignatures === 1 ? '' : 's'} by ${w.witnesses.join(', ')} (C2SP tlog-cosignature): a witness
   the company does not control cosigned those checkpoints only after checking they extend what it cosigned before,
   so a history rewritten later, even re-signed with the ledger key, no longer matches them. Take each witness's key
   (its vkey) from the witness operator, not from this bundle, set WITNESS_KEY to it, then:
     node verify/verify.mjs . --trusted-fingerprint "$FP" --witness-key "$WITNESS_KEY"
   It fails (WITNESS_*) unless the period's end (and start) checkpoint is cosigned by that witness and every cosigned
   checkpoint is consistent with the next; give --witness-key once per witness, and --witness-quorum N to need N of them.
`;
}

/** Step 2 for a ledger whose key was rotated: the key here is the one current at export, reached through the chain. */
function rotatedKeyStep(key: string, rotations: number): string {
  return `2. The ledger's key was rotated ${rotations} time(s): ${key} is the key current at export, and ledger/key-chain.json
   lists the genesis key and each rotation (signed by the old and the new key). The key you recorded must be one of
   them (this only finds it; step 4 checks every rotation's signatures and proofs):
     grep -q "$FP" ledger/key-chain.json && echo "your key is in the chain" || { echo "YOUR KEY IS NOT IN THIS BUNDLE'S KEY CHAIN: do not rely on this bundle"; false; }
`;
}
