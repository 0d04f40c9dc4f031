// DsClient: the long-lived delivery-service client of the messenger core.
// It keeps one logged-in connection open while started: connect, `hello`,
// login, the core's onOnline hook (its catch-up), then 'online'. When the
// connection drops it reconnects after a capped exponential backoff with full
// jitter, and never sooner than a `rate_limited` refusal of the login or the
// hook asked (`retryAfterMs`). Bytes in, bytes out: no MLS, no storage.
//
// Requests:
// - made while online go out at once; made while offline or connecting wait
//   for 'online', bounded by their own timeout (or fail at once with
//   `{ waitForConnection: false }`);
// - a request that was never written to a socket when its connection died is
//   sent again on the next connection; so is an idempotent one (reads, acks)
//   even if it was written. A state-changing request that may have reached
//   the server rejects with DsDisconnected{sent: true}: only the core can find
//   out (by reading) whether it took effect.
//
// Status: 'connecting' while an attempt runs (connect, login, onOnline hook),
// 'online' after it, 'offline' before start, after stop, and while waiting
// for the next attempt (`nextRetryAt`). A login the server refuses for good
// (unknown_device, bad_signature, unsupported_version) stops the retries:
// status 'offline' with `fatal: true` until reconnectNow() or start().

import { DsApi, DsSession, type DsCallOptions } from './api.js';
import { checkBackoff, DEFAULT_BACKOFF, retryDelay, type BackoffPolicy } from './backoff.js';
import { MAX_TIMER_MS, systemClock, type Clock, type TimerHandle } from './clock.js';
import { checkUrl, Connection, type ConnectionOptions, type DsTlsOptions, type ProtocolErrorAction, type WebSocketFactory } from './connection.js';
import { DeviceKey } from './device-key.js';
import { Emitter } from './emitter.js';
import { DsArgumentError, DsDeviceExists, DsDisconnected, DsProtocolError, DsRequestError, DsStopped, DsTimeout, DsUserExists } from './errors.js';
import { silentLogger, type DsLogger } from './logger.js';
import type { DeviceRef, DsAuthorization, DsBehind, DsHello, DsMessage, DsParams, DsPush, DsRequestType, DsResult, DsWelcome } from './protocol-types.js';
import { prepareRequest, type PreparedRequest } from './requests.js';
import { argId } from './wire.js';

export type DsStatus = 'offline' | 'connecting' | 'online';

export interface DsStatusInfo {
  readonly status: DsStatus;
  /** Why the last attempt failed or the last connection dropped; undefined while online. */
  readonly lastError: Error | undefined;
  /** While offline with a retry scheduled: when it runs (clock ms). */
  readonly nextRetryAt: number | undefined;
  /** Consecutive failed attempts (and short-lived connections): the backoff exponent. */
  readonly failures: number;
  /** The server refused this device's login for good; no automatic retry. */
  readonly fatal: boolean;
}

/** Run after each login, before 'online': the core's catch-up (group.list, fetch, welcome.list). Throwing drops the connection and retries later. */
export type OnOnlineHook = (session: DsSession) => Promise<void> | void;

export interface DsClientEvents {
  status: DsStatusInfo;
  /** `message` pushes, in arrival order (per group in seq order). */
  message: DsMessage;
  welcome: DsWelcome;
  behind: DsBehind;
  /** Frames the server got wrong: what was done about them ('dropped' the connection, 'ignored' the frame, 'rejected' the request). */
  protocolError: { readonly error: DsProtocolError; readonly action: ProtocolErrorAction };
}

export interface DsConnectOptions {
  /** TCP, TLS, upgrade and `hello`. Default 10 s. */
  readonly connectTimeoutMs?: number;
  readonly tls?: DsTlsOptions;
  readonly createWebSocket?: WebSocketFactory;
  readonly maxIncomingFrameBytes?: number;
  readonly log?: DsLogger;
  readonly clock?: Clock;
}

export interface DsClientOptions extends DsConnectOptions {
  /** ws://HOST:PORT/ or wss://HOST:PORT/ */
  readonly url: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly key: DeviceKey;
  /** Default timeout of a request (waiting for a connection included). Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** See ConnectionOptions.idleTimeoutMs. Default 75 s. */
  readonly idleTimeoutMs?: number;
  /** Default base 500 ms, cap 30 s. */
  readonly backoff?: Partial<BackoffPolicy>;
  /** A connection must have been online this long for its drop to restart the backoff from the base. Default 10 s. */
  readonly stableAfterMs?: number;
  readonly onOnline?: OnOnlineHook;
  /** [0, 1) for the jitter. */
  readonly random?: () => number;
}

export interface DsRegisterOptions extends DsConnectOptions {
  /** For a further device of an existing user: the `add-device` signature of one of its devices. */
  readonly authorization?: DsAuthorization;
  /** For the challenge and register round trips. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface DsRegistered extends DeviceRef {
  /** The device was registered already, with this same key (an earlier attempt whose answer was lost). */
  readonly alreadyRegistered: boolean;
}

export interface DsClientStats {
  /** Times the client went online. */
  readonly onlines: number;
  /** Connections lost after being online. */
  readonly drops: number;
  /** Protocol errors of the server, by what was done. */
  readonly dropped: number;
  readonly ignored: number;
  readonly rejected: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_STABLE_AFTER_MS = 10_000;

/** Login refusals that another try will not change. */
const FATAL_LOGIN_CODES: ReadonlySet<string> = new Set(['unknown_device', 'bad_signature', 'unsupported_version', 'bad_request']);

interface Waiting {
  /** Call order: requests not yet sent keep it across reconnects. */
  readonly n: number;
  readonly req: PreparedRequest<DsRequestType>;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly wait: boolean;
  timer: TimerHandle | undefined;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
}

function ms(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > MAX_TIMER_MS) throw new DsArgumentError(`${name}: expected a number of ms in (0, ${MAX_TIMER_MS}]`);
  return v;
}

function checkKey(key: unknown): DeviceKey {
  if (!(key instanceof DeviceKey)) throw new DsArgumentError('key: expected a DeviceKey (DeviceKey.fromRaw / fromKeyPair)');
  return key;
}

export class DsClient extends DsApi {
  private readonly url: string;
  private readonly userId: string;
  private readonly deviceId: string;
  private readonly key: DeviceKey;
  private readonly requestTimeoutMs: number;
  private readonly stableAfterMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: DsLogger;
  private readonly events: Emitter<DsClientEvents>;
  private onOnlineHook: OnOnlineHook | undefined;

  private running = false;
  /** Bumped by every attempt and by stop(): callbacks of an older attempt see a different number and do nothing. */
  private generation = 0;
  private abort: AbortController | undefined;
  private conn: Connection | undefined;
  private online = false;
  private onlineSince = 0;
  private retryTimer: TimerHandle | undefined;
  private failures = 0;
  private info: DsStatusInfo = { status: 'offline', lastError: undefined, nextRetryAt: undefined, failures: 0, fatal: false };
  private waiting: Waiting[] = [];
  private nextN = 0;
  private counters = { onlines: 0, drops: 0, dropped: 0, ignored: 0, rejected: 0 };

  constructor(private readonly options: DsClientOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new DsArgumentError('options: expected an object');
    this.url = checkUrl(options.url);
    this.userId = argId(options.userId, 'userId');
    this.deviceId = argId(options.deviceId, 'deviceId');
    this.key = checkKey(options.key);
    this.requestTimeoutMs = ms(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs');
    this.stableAfterMs = ms(options.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS, 'stableAfterMs');
    this.backoff = checkBackoff({ ...DEFAULT_BACKOFF, ...options.backoff });
    this.clock = options.clock ?? systemClock;
    if (options.random !== undefined && typeof options.random !== 'function') throw new DsArgumentError('random: expected a function');
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLogger;
    this.setOnOnline(options.onOnline);
    this.events = new Emitter((event, err) => this.log('warn', `ds ${event} listener threw: ${(err as Error)?.stack ?? String(err)}`));
  }

  /**
   * Registers a new device on a fresh connection, then closes it (DsClient logs in on its own connection).
   * Rejects with DsUserExists / DsDeviceExists when the id is taken by another key, DsUnreachable when the
   * server cannot be reached, DsRequestError for other refusals (bad_key, unknown_user, bad_signature...).
   * Repeating a registration whose answer was lost, with the same key, succeeds with `alreadyRegistered`.
   */
  static async register(url: string, userId: string, deviceId: string, key: DeviceKey, options: DsRegisterOptions = {}): Promise<DsRegistered> {
    checkUrl(url);
    argId(userId, 'userId');
    argId(deviceId, 'deviceId');
    checkKey(key);
    const timeoutMs = ms(options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, 'timeoutMs');
    const conn = await Connection.open({ url, ...connectOptions(options) });
    try {
      try {
        await conn.register(userId, deviceId, key, options.authorization, timeoutMs);
        return { userId, deviceId, alreadyRegistered: false };
      } catch (err) {
        if (!(err instanceof DsUserExists || err instanceof DsDeviceExists)) throw err;
        // Taken: by this very key (a retry after a lost answer) exactly when it can log in.
        try {
          await conn.login(userId, deviceId, key, timeoutMs);
        } catch {
          throw err;
        }
        return { userId, deviceId, alreadyRegistered: true };
      }
    } finally {
      conn.close('registration finished');
    }
  }

  // ---------------------------------------------------------------- state and events

  get status(): DsStatus {
    return this.info.status;
  }

  get statusInfo(): DsStatusInfo {
    return this.info;
  }

  /** The current connection's `hello` (its limits), when connected. */
  get hello(): DsHello | undefined {
    return this.conn?.isOpen === true ? this.conn.hello : undefined;
  }

  get stats(): DsClientStats {
    return { ...this.counters };
  }

  /** Adds a listener; returns the function that removes it. Listeners run synchronously; one that throws is logged. */
  on<K extends keyof DsClientEvents>(event: K, listener: (value: DsClientEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  off<K extends keyof DsClientEvents>(event: K, listener: (value: DsClientEvents[K]) => void): void {
    this.events.off(event, listener);
  }

  /** Replaces the onOnline hook (used from the next login on). */
  setOnOnline(hook: OnOnlineHook | undefined): void {
    if (hook !== undefined && typeof hook !== 'function') throw new DsArgumentError('onOnline: expected a function');
    this.onOnlineHook = hook;
  }

  private setInfo(patch: Partial<DsStatusInfo>): void {
    const next: DsStatusInfo = { ...this.info, ...patch, failures: this.failures };
    const keys = Object.keys(next) as (keyof DsStatusInfo)[];
    if (keys.every((k) => next[k] === this.info[k])) return;
    this.info = Object.freeze(next);
    this.events.emit('status', this.info);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Starts connecting (and keeps reconnecting) until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.failures = 0;
    this.attemptNow();
  }

  /** Closes the connection and stops retrying. Waiting requests reject with DsStopped, in-flight ones with DsDisconnected. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.abort?.abort();
    this.abort = undefined;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const conn = this.conn;
    this.conn = undefined;
    this.online = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
      w.reject(new DsStopped(`${w.req.type}: the client was stopped`));
    }
    this.setInfo({ status: 'offline', nextRetryAt: undefined, fatal: false });
    if (conn !== undefined) {
      conn.close('client stopped');
      await conn.closed;
    }
  }

  /** While waiting to retry (or after a fatal refusal): try now. Does nothing while connecting or online, or when stopped. */
  reconnectNow(): void {
    if (!this.running || this.info.status !== 'offline') return;
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.attemptNow();
  }

  private attemptNow(): void {
    const gen = ++this.generation;
    this.attempt(gen).catch((err: unknown) => this.log('warn', `ds attempt failed unexpectedly: ${(err as Error)?.stack ?? String(err)}`));
  }

  private async attempt(gen: number): Promise<void> {
    this.setInfo({ status: 'connecting', nextRetryAt: undefined, fatal: false });
    const abort = new AbortController();
    this.abort = abort;
    let conn: Connection | undefined;
    try {
      conn = await Connection.open({
        url: this.url,
        ...connectOptions(this.options),
        ...(this.options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: this.options.idleTimeoutMs }),
        signal: abort.signal,
        onPush: (p) => {
          if (gen === this.generation) this.onPush(p);
        },
        onProtocolError: (error, action) => {
          this.counters[action]++;
          this.events.emit('protocolError', { error, action });
        },
        onClose: (e) => this.onClosed(gen, e),
      });
      if (gen !== this.generation) {
        conn.close('superseded');
        return;
      }
      this.conn = conn;
      await conn.login(this.userId, this.deviceId, this.key, this.requestTimeoutMs);
      const hook = this.onOnlineHook;
      if (hook !== undefined && gen === this.generation) await hook(new DsSession(conn, this.requestTimeoutMs));
      if (gen !== this.generation) return;
      if (!conn.isOpen) throw await conn.closed;
      this.online = true;
      this.onlineSince = this.clock.now();
      this.counters.onlines++;
      this.setInfo({ status: 'online', lastError: undefined, nextRetryAt: undefined, fatal: false });
      this.flush(conn);
    } catch (err) {
      if (gen !== this.generation) return;
      conn?.close('connection attempt failed');
      this.conn = undefined;
      this.failed(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onClosed(gen: number, error: DsDisconnected): void {
    // During an attempt the attempt itself fails (its login or hook requests reject, or the isOpen check).
    if (gen !== this.generation || !this.online) return;
    this.online = false;
    this.conn = undefined;
    this.counters.drops++;
    this.log('info', `ds connection lost: ${error.message}`);
    // A connection that dropped right after login must not reset the backoff, or a server
    // that accepts and then hangs up would be hammered at the base delay.
    if (this.clock.now() - this.onlineSince >= this.stableAfterMs) this.failures = 0;
    this.scheduleRetry(error);
  }

  private failed(error: Error): void {
    this.log('info', `ds connection attempt failed: ${error.message}`);
    const fatal = error instanceof DsArgumentError || (error instanceof DsRequestError && error.requestType === 'login' && FATAL_LOGIN_CODES.has(error.code));
    if (!fatal) {
      this.scheduleRetry(error);
      return;
    }
    this.failures++;
    this.setInfo({ status: 'offline', lastError: error, nextRetryAt: undefined, fatal: true });
    // Nothing will connect without the user's action: waiting requests learn why now.
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
      w.reject(error);
    }
  }

  private scheduleRetry(error: Error): void {
    // A login (or catch-up) refused as rate_limited says how long to wait; retrying sooner is refused again.
    const retryAfterMs = error instanceof DsRequestError && error.code === 'rate_limited' ? error.retryAfterMs : undefined;
    const delay = retryDelay(this.failures, this.backoff, this.random, retryAfterMs);
    this.failures++;
    const gen = this.generation;
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (gen === this.generation && this.running) this.attemptNow();
    }, delay);
    this.setInfo({ status: 'offline', lastError: error, nextRetryAt: this.clock.now() + delay, fatal: false });
  }

  private onPush(p: DsPush): void {
    switch (p.push) {
      case 'message':
        this.events.emit('message', p.message);
        break;
      case 'welcome':
        this.events.emit('welcome', p.welcome);
        break;
      case 'behind':
        this.events.emit('behind', p.behind);
        break;
      case 'hello':
        break;
    }
  }

  // ---------------------------------------------------------------- requests

  protected call<T extends DsRequestType>(type: T, params: DsParams<T>, options: DsCallOptions | undefined): Promise<DsResult<T>> {
    let req: PreparedRequest<T>;
    let timeoutMs: number;
    let wait: boolean;
    try {
      req = prepareRequest(type, params);
      timeoutMs = ms(options?.timeoutMs ?? this.requestTimeoutMs, 'timeoutMs');
      wait = options?.waitForConnection ?? true;
      if (typeof wait !== 'boolean') throw new DsArgumentError('waitForConnection: expected a boolean');
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (!this.running) return Promise.reject(new DsStopped(`${type}: the client is not started`));
    if (this.info.fatal) return Promise.reject(this.info.lastError ?? new DsDisconnected(`${type}: the server refused this device`, false));
    if (!this.online && !wait) return Promise.reject(new DsDisconnected(`${type}: not connected (${this.info.status})`, false));
    return new Promise<DsResult<T>>((resolve, reject) => {
      const w: Waiting = {
        n: this.nextN++,
        req: req as PreparedRequest<DsRequestType>,
        deadline: this.clock.now() + timeoutMs,
        timeoutMs,
        wait,
        timer: undefined,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      if (this.online && this.conn !== undefined) this.dispatch(w, this.conn);
      else this.enqueue(w);
    });
  }

  private enqueue(w: Waiting): void {
    let i = this.waiting.length;
    while (i > 0 && this.waiting[i - 1]!.n > w.n) i--;
    this.waiting.splice(i, 0, w);
    w.timer = this.clock.setTimeout(
      () => {
        const at = this.waiting.indexOf(w);
        if (at < 0) return;
        this.waiting.splice(at, 1);
        w.reject(new DsTimeout(`${w.req.type}: not online within ${w.timeoutMs} ms`, false));
      },
      Math.max(0, w.deadline - this.clock.now()),
    );
  }

  private flush(conn: Connection): void {
    const list = this.waiting;
    this.waiting = [];
    for (const w of list) {
      if (w.timer !== undefined) this.clock.clearTimeout(w.timer);
      w.timer = undefined;
      this.dispatch(w, conn);
    }
  }

  private dispatch(w: Waiting, conn: Connection): void {
    const left = w.deadline - this.clock.now();
    if (left < 1) {
      w.reject(new DsTimeout(`${w.req.type}: no response within ${w.timeoutMs} ms`, false));
      return;
    }
    conn.request(w.req, left).then(w.resolve, (err: unknown) => {
      // Not after 1009: the frame that was too large is most likely this request's own answer (a big
      // fetch page), and asking again would only repeat the drop; the caller should ask for less.
      const retry =
        err instanceof DsDisconnected && (!err.sent || (w.req.idempotent && err.closeCode !== 1009)) && w.wait && this.running && w.deadline - this.clock.now() >= 1;
      if (retry) {
        if (this.online && this.conn !== undefined && this.conn !== conn) this.dispatch(w, this.conn);
        else this.enqueue(w);
      } else if (err instanceof DsDisconnected && !err.sent && !this.running) w.reject(new DsStopped(`${w.req.type}: the client was stopped`));
      else w.reject(err as Error);
    });
  }
}

function connectOptions(o: DsConnectOptions): Omit<ConnectionOptions, 'url'> {
  return {
    ...(o.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: o.connectTimeoutMs }),
    ...(o.tls === undefined ? {} : { tls: o.tls }),
    ...(o.createWebSocket === undefined ? {} : { createWebSocket: o.createWebSocket }),
    ...(o.maxIncomingFrameBytes === undefined ? {} : { maxIncomingFrameBytes: o.maxIncomingFrameBytes }),
    ...(o.log === undefined ? {} : { log: o.log }),
    ...(o.clock === undefined ? {} : { clock: o.clock }),
  };
}
