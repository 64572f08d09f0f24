// Typed identity for rule files: infers the params type from the declared defaults so `evaluate` reads them typed.
import type { ParamSpec, Rule, RuleContext, RuleOutcome, Snapshot } from '../core/types.js';

type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T extends ReadonlyArray<infer U> ? Array<Widen<U>> : T;

/** The params a rule's `evaluate` receives, derived from its `params` declaration (`default` gives each type). */
export type ParamsOf<S extends Record<string, ParamSpec>> = { [K in keyof S]: Widen<S[K]['default']> };

/** A rule as written in a rule file: like `Rule`, but `params` is the declaration evaluate's types come from. */
export type RuleDraft<S extends Record<string, ParamSpec>> = Omit<Rule, 'params' | 'evaluate'> & {
  params: S;
  evaluate(snapshot: Snapshot, ctx: RuleContext<ParamsOf<S>>): RuleOutcome[];
};

/**
 * Declares a rule. Returns it unchanged; exists so each rule file gets its params typed from their defaults
 * (`{ maxKeyAgeDays: { description, default: 90 } }` gives `ctx.params.maxKeyAgeDays: number`).
 */
export function defineRule<S extends Record<string, ParamSpec>>(rule: RuleDraft<S>): Rule<ParamsOf<S>> {
  return rule as unknown as Rule<ParamsOf<S>>;
}
