// A memo of async computations by key, bounded: the API's answers keyed on the ledger's size, parsed blobs by hash.

/** A memo of one async computation per key, keeping the last `max` keys. */
export class Memo<T> {
  private readonly m = new Map<string, Promise<T>>();
  constructor(private readonly max = 8) {}
  get(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.m.get(key);
    if (hit) return hit;
    const p = compute();
    p.catch(() => this.m.delete(key));
    this.m.set(key, p);
    while (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
    return p;
  }
  delete(key: string): void {
    this.m.delete(key);
  }
}

