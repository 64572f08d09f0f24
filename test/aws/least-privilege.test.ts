// The shipped least-privilege policy must equal the actions the collector really calls.
import { afterEach, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collect, collector, emulator } from './helpers.js';
import { demoEstate, type AwsEmulator } from '../../collectors/aws/emulator/index.js';

let emu: AwsEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

it('deploy/aws/iam-policy.json grants exactly the actions the collector calls', async () => {
  const policy = JSON.parse(readFileSync(fileURLToPath(new URL('../../deploy/aws/iam-policy.json', import.meta.url)), 'utf8')) as {
    Statement: Array<{ Effect: string; Action: string[]; Resource: string }>;
  };
  const granted = new Set(policy.Statement.flatMap((s) => (s.Effect === 'Allow' ? s.Action : [])));
  for (const a of granted) expect(a).toMatch(/^(iam|sts):(Get|List|Generate)[A-Za-z]+$/); // read-only verbs, no wildcards

  // a cold run: no accountId configured (STS names it), report not yet generated, small pages so every call pages
  emu = await emulator(demoEstate(), 100);
  await collector(emu).scopes();
  await collect(emu, { pageSize: 2 });
  const used = new Set(emu.calls.map((c) => `${c.service}:${c.action}`));
  expect([...used].sort()).toEqual([...granted].sort());
});
