// The deployment files are checked by the tools their platforms use: the Kubernetes manifest against the Kubernetes
// API schemas (kubernetes-models), the systemd unit by `systemd-analyze verify`, and both against what Vigil needs.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

const root = resolve(__dirname, '../..');
const read = (p: string) => readFileSync(resolve(root, p), 'utf8');

describe('deploy/kubernetes/vigil.yaml', () => {
  const docs = parseAllDocuments(read('deploy/kubernetes/vigil.yaml')).map((d) => d.toJS() as { kind: string; spec?: Record<string, unknown> });
  const models: Record<string, new (d: never) => { validate(): void }> = { StatefulSet, ServiceAccount } as never;

  it('every document validates against the Kubernetes API schema of its kind', () => {
    expect(docs.map((d) => d.kind)).toEqual(['ServiceAccount', 'StatefulSet']);
    for (const d of docs) {
      const Model = models[d.kind];
      expect(Model, `a schema for ${d.kind}`).toBeDefined();
      expect(() => new Model!(d as never).validate(), d.kind).not.toThrow();
    }
    // The check is not vacuous: a wrong type is refused.
    const bad = { ...docs[1]!, spec: { ...docs[1]!.spec, replicas: 'one' } };
    expect(() => new StatefulSet(bad as never).validate()).toThrow(/replicas must be integer/);
  });

  it('runs one replica (one ledger writer) with a writable cache under a read-only root file system', () => {
    const set = docs[1] as unknown as { spec: { replicas: number; template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string }>; volumeMounts: Array<{ mountPath: string }>; securityContext: { readOnlyRootFilesystem: boolean } }> } } } };
    expect(set.spec.replicas).toBe(1);
    const c = set.spec.template.spec.containers[0]!;
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    // export and verify write worker scripts to node_modules/.cache/vigil inside the install (src/core/package-root.ts)
    expect(c.env.some((e) => e.name === 'VIGIL_CACHE_DIR')).toBe(false);
    expect(c.volumeMounts.map((m) => m.mountPath)).toContain('/app/node_modules/.cache/vigil');
    expect(read('deploy/Dockerfile')).toMatch(/WORKDIR \/app/);
  });

  it('names the AWS policy the default config needs (member-policy.json), which exists', () => {
    const text = read('deploy/kubernetes/vigil.yaml');
    expect(text).toContain('deploy/aws/member-policy.json');
    expect(() => read('deploy/aws/member-policy.json')).not.toThrow();
  });
});

describe('deploy/systemd/vigil.service', () => {
  it('passes systemd-analyze verify', () => {
    const r = spawnSync('systemd-analyze', ['verify', resolve(root, 'deploy/systemd/vigil.service')], { encoding: 'utf8' });
    // CI installs systemd (.ci/run); a developer machine without it fails here rather than skipping silently.
    expect(r.error, 'systemd-analyze is installed').toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.trim()).toBe('');
  });

  it('runs the agent with the data dir it makes writable, and stops within the grace time the agent needs', () => {
    const unit = read('deploy/systemd/vigil.service');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/vigil\/src\/bin\/vigil\.mjs --data-dir \/var\/lib\/vigil run$/m);
    expect(unit).toMatch(/^ReadWritePaths=\/var\/lib\/vigil$/m);
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)![1])).toBeGreaterThanOrEqual(30); // SIGTERM exits within 30 s
  });
});
