// The fast canonical form of results blobs must equal RFC 8785 (the `canonicalize` package) byte for byte.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { resultsBlob } from '../../src/pipeline/record.js';
import type { RecordedResult } from '../../src/pipeline/collect-stage.js';

describe('resultsBlob', () => {
  it('equals canonicalize(sorted results) for any results, nested fields and odd strings included (property)', () => {
    const result = fc.record(
      {
        ruleId: fc.string(),
        resourceId: fc.string({ unit: 'binary' }),
        status: fc.constantFrom('pass', 'fail', 'error', 'not_applicable'),
        reason: fc.string({ unit: 'binary' }),
        region: fc.option(fc.string(), { nil: undefined }),
        details: fc.option(fc.jsonValue(), { nil: undefined }),
        score: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }),
      },
      { requiredKeys: ['ruleId', 'resourceId', 'status', 'reason'] },
    );
    fc.assert(fc.property(fc.array(result, { maxLength: 20 }), (rs) => {
      const sorted = [...rs].sort((a, b) => (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0));
      expect(resultsBlob(rs as unknown as RecordedResult[]).toString('utf8')).toBe(canonicalize(JSON.parse(JSON.stringify(sorted))));
    }), { numRuns: 500 });
  });
});
