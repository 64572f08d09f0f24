// Checks `rules.disabled` and `rules.params` against the rules this build ships, naming file, line and the id meant.
import { UsageError } from '../core/errors.js';
import type { Rule } from '../core/types.js';
import type { LoadedConfig } from './load.js';
import { nearest } from './suggest.js';
import { kindOf } from '../rules/engine.js';

/** What the check needs of the rule catalogue: every rule with its declared parameters, and the other known ids. */
export interface RuleCatalogue {
  rules: readonly Pick<Rule, 'id' | 'params'>[];
  /** Ids known elsewhere (cross-source rules), whose parameters are checked by their own owner. */
  otherIds: readonly string[];
}

/**
 * Throws a UsageError (exit 2) for the first wrong rule setting: an unknown id in `disabled` or `params` (with the
 * nearest known id), a parameter the rule does not declare (with the nearest and the full list), or a value whose
 * kind differs from the declared default. Each message starts with `file:line:col` when the config came from a file.
 */
export function checkRuleSettings(loaded: LoadedConfig, catalogue: RuleCatalogue): void {
  const at = (path: Array<string | number>, key?: string): string => (loaded.locate ? loaded.locate(path, key) : (loaded.file ?? 'config'));
  const byId = new Map(catalogue.rules.map((r) => [r.id, r]));
  const known = [...byId.keys(), ...catalogue.otherIds];
  const unknownId = (where: string, field: string, id: string): UsageError => {
    const hint = nearest(id, known);
    return new UsageError('CONFIG_RULE', `${where}: ${field}: unknown rule id "${id}"${hint ? ` (did you mean "${hint}"?)` : ''} (see \`vigil rules list\`)`);
  };
  loaded.config.rules.disabled.forEach((id, i) => {
    if (!known.includes(id)) throw unknownId(at(['rules', 'disabled', i]), `rules.disabled.${i}`, id);
  });
  for (const [id, overrides] of Object.entries(loaded.config.rules.params)) {
    if (!known.includes(id)) throw unknownId(at(['rules', 'params'], id), `rules.params.${id}`, id);
    const rule = byId.get(id);
    if (!rule) continue; // a cross-source rule: its owner checks its parameters
    for (const [key, value] of Object.entries(overrides)) {
      const field = `rules.params.${id}.${key}`;
      const spec = Object.prototype.hasOwnProperty.call(rule.params, key) ? rule.params[key] : undefined;
      if (!spec) {
        const names = Object.keys(rule.params);
        const hint = nearest(key, names);
        throw new UsageError(
          'CONFIG_RULE_PARAM',
          `${at(['rules', 'params', id], key)}: ${field}: rule ${id} has no parameter "${key}"${hint ? ` (did you mean "${hint}"?)` : ''} (known: ${names.length ? names.join(', ') : 'none'})`,
        );
      }
      if (kindOf(spec.default) !== kindOf(value)) {
        throw new UsageError('CONFIG_RULE_PARAM', `${at(['rules', 'params', id, key])}: ${field}: expected a ${kindOf(spec.default)} like ${JSON.stringify(spec.default)}, got ${kindOf(value)}`);
      }
    }
  }
}
