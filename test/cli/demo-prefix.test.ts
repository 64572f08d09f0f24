// Two demos on one Redis never share queues: the prefix is derived from the data dir (stable across restarts).
import { describe, expect, it } from 'vitest';
import { demoPrefix } from '../../src/cli/demo.js';

describe('demo queue prefix', () => {
  it('differs between data dirs, is stable for one, and is a valid BullMQ prefix', () => {
    expect(demoPrefix('/tmp/a/.vigil-demo')).not.toBe(demoPrefix('/tmp/b/.vigil-demo'));
    expect(demoPrefix('/tmp/a/.vigil-demo')).toBe(demoPrefix('/tmp/a/../a/.vigil-demo'));
    expect(demoPrefix('/tmp/a/.vigil-demo')).toMatch(/^vigil-demo-[0-9a-f]{12}$/);
  });
});
