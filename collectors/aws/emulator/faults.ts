// Fault switches of the AWS emulator: what tests inject (throttles, denials, failures, verbatim replies) and how a request consumes them.

/** Programmatic fault injection, per action name (e.g. `GetAccountAuthorizationDetails`, `GetCallerIdentity`). */
export interface AwsFaults {
  /** The next `n` calls of `action` answer 400 Throttling. */
  throttle(action: string, n: number): void;
  /** Every call of `action` answers 403 AccessDenied until `allow(action)`. */
  deny(action: string): void;
  allow(action: string): void;
  /** The next `n` calls of `action` answer 500 InternalFailure. */
  fail(action: string, n: number): void;
  /**
   * The next `n` calls of `action` (default: every call until clear) get this reply verbatim — e.g. `200` with an empty
   * body, an HTML error page from a proxy, a truncated document — instead of the service's answer.
   */
  reply(action: string, reply: RawReply, n?: number): void;
  /**
   * Every call of `action` is refused as AWS refuses a bad or expired key: Query services (IAM, STS, RDS) answer
   * 403 InvalidClientTokenId, JSON services 400 UnrecognizedClientException, S3 403 InvalidAccessKeyId.
   */
  rejectCredentials(action: string): void;
  /**
   * Every call of `action` on a JSON-protocol service is denied with a 403 whose body is XML, as AWS's front door
   * answers requests it refuses before they reach the service (the SDK cannot parse it as JSON).
   */
  denyWithXml(action: string): void;
  /** The credential report omits the `<root_account>` row (a report IAM documents as always starting with it). */
  omitRootRow(on: boolean): void;
  /** The next `n` calls of `action` are never answered (the connection stays open): only a client deadline ends them. */
  stall(action: string, n: number): void;
  /** Removes every injected fault. */
  clear(): void;
}

/** A reply served verbatim by `faults.reply`. */
export interface RawReply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * The switches as the request handlers read them. Each question consumes what it counts (one throttle, one failure,
 * one verbatim reply), so the order handlers ask in is the order faults take precedence.
 */
export interface FaultSwitches {
  /** The API handed to tests as `emulator.faults`. */
  readonly api: AwsFaults;
  /** The verbatim reply injected for `action`, consuming one use. */
  injected(action: string): RawReply | undefined;
  /** Whether this call of `action` fails with 500, consuming one. */
  takeFailure(action: string): boolean;
  /** Whether this call of `action` is left unanswered, consuming one. */
  takeStall(action: string): boolean;
  /** Whether this call of `action` is throttled, consuming one. */
  takeThrottle(action: string): boolean;
  isDenied(action: string): boolean;
  hasBadCredentials(action: string): boolean;
  isXmlDenied(action: string): boolean;
  /** Whether credential reports leave out the root row. */
  withoutRoot(): boolean;
}

export function createFaultSwitches(): FaultSwitches {
  const throttles = new Map<string, number>();
  const failures = new Map<string, number>();
  const denied = new Set<string>();
  const replies = new Map<string, { reply: RawReply; left: number }>();
  const badCredentials = new Set<string>();
  const xmlDenied = new Set<string>();
  const stalls = new Map<string, number>();
  let withoutRoot = false;

  // Arrow functions on a plain object, so a test may pass `emulator.faults.deny` around unbound.
  const api: AwsFaults = {
    throttle: (a, n) => void throttles.set(a, n),
    deny: (a) => void denied.add(a),
    allow: (a) => void denied.delete(a),
    fail: (a, n) => void failures.set(a, n),
    reply: (a, reply, n = Infinity) => void replies.set(a, { reply, left: n }),
    rejectCredentials: (a) => void badCredentials.add(a),
    denyWithXml: (a) => void xmlDenied.add(a),
    stall: (a, n) => void stalls.set(a, n),
    omitRootRow: (on) => {
      withoutRoot = on;
    },
    clear: () => {
      throttles.clear();
      failures.clear();
      denied.clear();
      replies.clear();
      badCredentials.clear();
      xmlDenied.clear();
      stalls.clear();
      withoutRoot = false;
    },
  };

  function takeOne(m: Map<string, number>, action: string): boolean {
    const n = m.get(action) ?? 0;
    if (n <= 0) return false;
    m.set(action, n - 1);
    return true;
  }

  return {
    api,
    injected(action) {
      const r = replies.get(action);
      if (!r || r.left <= 0) return undefined;
      r.left--;
      return r.reply;
    },
    takeFailure: (action) => takeOne(failures, action),
    takeThrottle: (action) => takeOne(throttles, action),
    takeStall: (action) => takeOne(stalls, action),
    isDenied: (action) => denied.has(action),
    hasBadCredentials: (action) => badCredentials.has(action),
    isXmlDenied: (action) => xmlDenied.has(action),
    withoutRoot: () => withoutRoot,
  };
}
