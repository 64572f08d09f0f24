// Google Workspace policy inheritance for the google-workspace.policy.* rules: the setting in force in each org unit is
// the one bound to that OU (highest sortOrder), else its nearest ancestor's, else Google's documented default.
import type { Snapshot } from '../../core/types.js';
import type { GoogleWorkspaceOrgUnitAttributes, GoogleWorkspacePolicyAttributes } from '../../core/contracts/google-workspace.js';
import { resourcesOfType, type Typed } from './resources.js';

/** The setting value in force at one OU, and where it came from. */
export interface Effective {
  /** The value, or null when neither the OU tree nor Google's documentation gives one. */
  value: Record<string, unknown> | null;
  /** `policy` (id of the policy resource), `default` (Google's documented default), or `none`. */
  from: 'policy' | 'default' | 'none';
  policyId: string | null;
  /** Path of the OU whose policy is inherited (the OU itself when set there). */
  setAt: string | null;
}

export interface PolicyTree {
  orgUnits: Array<Typed<GoogleWorkspaceOrgUnitAttributes>>;
  /** The setting in force at an OU (by id) for a setting type, with `defaults` filling a root left unset. */
  effective(orgUnitId: string, settingType: string): Effective;
  /** Group-targeted policies of a setting type: they override the OU's setting for the group's members. */
  groupPolicies(settingType: string): Array<Typed<GoogleWorkspacePolicyAttributes>>;
  /** The OU with this path, if listed. */
  byPath(path: string): Typed<GoogleWorkspaceOrgUnitAttributes> | undefined;
}

/**
 * Builds the tree from a snapshot. `defaults` holds only defaults Google documents ("Default field values" in the
 * Policy API concepts page); a setting type missing there and unset at the root has no known value.
 */
export function policyTree(snapshot: Snapshot, defaults: Record<string, Record<string, unknown>>): PolicyTree {
  const orgUnits = resourcesOfType<GoogleWorkspaceOrgUnitAttributes>(snapshot, 'google-workspace.org_unit');
  const policies = resourcesOfType<GoogleWorkspacePolicyAttributes>(snapshot, 'google-workspace.policy');
  const ous = new Map(orgUnits.map((o) => [o.id, o]));
  const root = orgUnits.find((o) => o.attributes.parentOrgUnitId === null);
  const bound = new Map<string, Typed<GoogleWorkspacePolicyAttributes>>();
  for (const p of policies) {
    if (p.attributes.groupId !== null) continue;
    // A policy naming no OU applies to the root (Google's reference: a policy is always bound to an OU).
    const ou = p.attributes.orgUnitId ?? root?.id;
    if (!ou) continue;
    const key = `${ou}|${p.attributes.settingType}`;
    const prev = bound.get(key);
    if (!prev || p.attributes.sortOrder > prev.attributes.sortOrder) bound.set(key, p);
  }
  const effective = (orgUnitId: string, settingType: string): Effective => {
    const seen = new Set<string>();
    for (let id: string | null = orgUnitId; id !== null && !seen.has(id); id = ous.get(id)?.attributes.parentOrgUnitId ?? null) {
      seen.add(id);
      const p = bound.get(`${id}|${settingType}`);
      if (p) return { value: p.attributes.value, from: 'policy', policyId: p.id, setAt: ous.get(id)?.attributes.orgUnitPath ?? id };
    }
    const d = defaults[settingType];
    return d ? { value: d, from: 'default', policyId: null, setAt: null } : { value: null, from: 'none', policyId: null, setAt: null };
  };
  return {
    orgUnits, effective,
    groupPolicies: (t) => policies.filter((p) => p.attributes.groupId !== null && p.attributes.settingType === t),
    byPath: (path) => orgUnits.find((o) => o.attributes.orgUnitPath === path),
  };
}

/** A Google duration (`"43200s"`, `"3.5s"`) in seconds, or null when unreadable. */
export function durationSeconds(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(v);
  return m ? Number(m[1]) : null;
}

type Outcome = { resourceId: string; status: 'pass' | 'fail' | 'error'; reason: string; details?: Record<string, unknown> };

/** One setting's verdict at one OU (or group): a weakness, a value that could not be read, or neither. */
export interface Finding { weak?: string; unknown?: string }

/**
 * One outcome per OU (and per group-targeted policy of the judged types): `fail` naming every weakness, else `error`
 * naming what could not be read, else `pass`. `check` sees the value in force and where it came from.
 */
export function orgUnitOutcomes(
  tree: PolicyTree, types: string[], check: (type: string, e: Effective) => Finding, passText: string,
): Outcome[] {
  const judge = (where: string, resourceId: string, at: (t: string) => Effective): Outcome => {
    const found = types.map((t) => ({ t, e: at(t) })).map(({ t, e }) => ({ t, e, f: check(t, e) }));
    const weak = found.filter((x) => x.f.weak).map((x) => `${x.f.weak}${x.e.setAt && x.e.setAt !== where ? ` (inherited from ${x.e.setAt})` : ''}`);
    const unknown = found.filter((x) => x.f.unknown).map((x) => x.f.unknown!);
    const details = { settings: Object.fromEntries(found.map(({ t, e }) => [t, { value: e.value, from: e.from, setAt: e.setAt }])) };
    if (weak.length) return { resourceId, status: 'fail' as const, reason: `${where}: ${weak.join('; ')}`, details };
    if (unknown.length) return { resourceId, status: 'error' as const, reason: `${where}: could not tell: ${unknown.join('; ')}`, details };
    return { resourceId, status: 'pass' as const, reason: `${where}: ${passText}`, details };
  };
  const out: Outcome[] = tree.orgUnits.map((o) => judge(o.attributes.orgUnitPath, o.id, (t) => tree.effective(o.id, t)));
  for (const t of types) {
    for (const g of tree.groupPolicies(t)) {
      const e: Effective = { value: g.attributes.value, from: 'policy', policyId: g.id, setAt: `group ${g.attributes.groupId}` };
      const f = check(t, e);
      const where = `group ${g.attributes.groupId} (${t})`;
      out.push(f.weak ? { resourceId: g.id, status: 'fail', reason: `${where}: ${f.weak}`, details: { settings: { [t]: { value: e.value } } } }
        : f.unknown ? { resourceId: g.id, status: 'error', reason: `${where}: could not tell: ${f.unknown}` }
        : { resourceId: g.id, status: 'pass', reason: `${where}: no weaker than required` });
    }
  }
  return out;
}
