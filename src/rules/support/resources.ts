// Resource selection every rule family shares: typed access to a snapshot's resources in a stable order, and list text for reasons.
import type { Resource, Snapshot } from '../../core/types.js';

/** A resource whose attributes are known to have the shape `A` (one of the contracts in src/core/contracts/). */
export type Typed<A> = Resource & { attributes: A };

/** Resources of one type, sorted by id so outcomes come out in a stable order. */
export function resourcesOfType<A>(snapshot: Snapshot, type: string): Array<Typed<A>> {
  return snapshot.resources
    .filter((r) => r.type === type)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) as Array<Typed<A>>;
}

/** Shorthand for listing at most `n` items in a reason, with a count of the rest. */
export function listSome(items: readonly string[], n = 3): string {
  return items.length <= n ? items.join(', ') : `${items.slice(0, n).join(', ')} and ${items.length - n} more`;
}
