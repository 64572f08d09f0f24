// Background rounds that coalesce: a kick while a round runs asks for one more round after it, never a second at once.
// Used by the work that runs beside the ledger writer and must never hold it (witness submission, seal time stamping).

export class CoalescedRounds {
  private running: Promise<void> | undefined;
  private again = false;

  /**
   * @param round - one round; a failure is handed to `onError` and the next kick tries again
   * @param stopped - once true, kicks start nothing and a pending "once more" is dropped
   */
  constructor(
    private readonly round: () => Promise<void>,
    private readonly onError: (e: unknown) => void,
    private readonly stopped: () => boolean,
  ) {}

  /** Runs a round now, or once more right after the one in flight. */
  kick(): void {
    if (this.stopped()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.round().catch(this.onError);
      } while (this.again && !this.stopped());
    })().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when no round is running (rounds kicked while waiting included). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
