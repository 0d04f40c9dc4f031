// What the calling thread hands the core's worker, and the worker's
// life-cycle messages (besides the contract's own calls, replies and events).

export interface CoreOptions {
  /** An own message not accepted by the server within this time fails (default 24 h). */
  readonly sendDeadlineMs?: number;
  /** Reconnect backoff: first delay and cap (defaults 500 ms and 30 s), full jitter. */
  readonly reconnectBaseMs?: number;
  readonly reconnectCapMs?: number;
  /** Outbox retry backoff after a transient refusal: first delay and cap (defaults 1 s and 60 s). */
  readonly retryBaseMs?: number;
  readonly retryCapMs?: number;
  /** KeyPackages kept on the server, and the count below which they are replenished (100 and 20). */
  readonly keyPackageTarget?: number;
  readonly keyPackageLow?: number;
  /** Delivery receipts are batched for this long (default 300 ms). */
  readonly receiptDelayMs?: number;
  /** Lines the core logs go to stderr unless quiet. */
  readonly quiet?: boolean;
}

export interface WorkerData {
  readonly dataDir: string;
  readonly databaseKey: Uint8Array;
  readonly options: CoreOptions;
}

export type WorkerLifecycle = { readonly type: 'ready' } | { readonly type: 'fatal'; readonly message: string };
