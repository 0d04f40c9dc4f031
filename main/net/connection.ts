// One WebSocket session with the delivery service: connect, read `hello`,
// then requests by id (each with its own timeout) and pushes in arrival order,
// until the connection closes. It does not reconnect; DsClient does.
//
// What a hostile or buggy server gets (docs of the policy, see also frames.ts):
// - a frame that cannot be read (not JSON, not an object, binary, wrong `v`,
//   neither push nor response), a malformed push, a second `hello`, anything
//   before `hello`: the connection is DROPPED. The frame might have been a
//   response (that request would only time out) or a message push (the core
//   would miss a message); a fresh connection and the core's catch-up
//   (group.list + fetch) bring back a known state. Reported as 'dropped'.
// - a response to an id that is not waiting (unknown, null, a duplicate, or
//   the late answer to a request that timed out): IGNORED. Late answers are
//   normal after a timeout and are not even reported; the others are reported
//   as 'ignored'.
// - a well-framed response to a waiting request whose contents are wrong:
//   that request REJECTS with DsProtocolError (never resolves with garbage);
//   the connection stays. Reported as 'rejected'.
// - an unknown push kind: IGNORED (a newer server may add kinds). Reported.
// - a frame larger than maxIncomingFrameBytes: `ws` closes the connection (1009).
// Nothing the server sends can throw out of this module.

import { WebSocket, type ClientOptions, type RawData } from 'ws';
import { MAX_TIMER_MS, systemClock, type Clock, type TimerHandle } from './clock.js';
import type { DeviceKey } from './device-key.js';
import { DsArgumentError, DsDisconnected, DsFrameTooLarge, DsProtocolError, DsTimeout, DsUnreachable, requestError } from './errors.js';
import { parseServerFrame, type ServerFrame } from './frames.js';
import { silentLogger, type DsLogger } from './logger.js';
import { PROTOCOL_VERSION, type DeviceRef, type DsAuthorization, type DsHello, type DsPush, type DsRequestType, type DsResult } from './protocol-types.js';
import { decodeResult, prepareRequest, type PreparedRequest } from './requests.js';
import { TokenBucket } from './token-bucket.js';
import { argId } from './wire.js';

export type WebSocketFactory = (url: string, options: ClientOptions) => WebSocket;

export interface DsTlsOptions {
  /** Extra trusted CA certificates (PEM), e.g. for a self-signed server certificate. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
}

export type ProtocolErrorAction = 'dropped' | 'ignored' | 'rejected';

export interface ConnectionOptions {
  /** ws://HOST:PORT/ or wss://HOST:PORT/ */
  readonly url: string;
  /** From starting to connect until `hello` (TCP, TLS, upgrade, first frame). Default 10 s. */
  readonly connectTimeoutMs?: number;
  /**
   * Largest frame accepted from the server (ws maxPayload). Default 64 MiB. The
   * server bounds what it accepts (`maxFrameBytes`) but not what it sends: a
   * `group.fetch` page of large messages can be far bigger than 1 MiB.
   */
  readonly maxIncomingFrameBytes?: number;
  /** Drop the connection when nothing (frame or ping) came for this long; 0 disables. Default 75 s (the server pings every 30 s). */
  readonly idleTimeoutMs?: number;
  readonly tls?: DsTlsOptions;
  readonly createWebSocket?: WebSocketFactory;
  /** Aborting closes the connection (before or after hello), e.g. when the client stops while connecting. */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly log?: DsLogger;
  /** `message`, `welcome` and `behind` pushes, synchronously, in arrival order. */
  readonly onPush?: (push: DsPush) => void;
  readonly onProtocolError?: (error: DsProtocolError, action: ProtocolErrorAction) => void;
  /** Called once when a connection that had received `hello` closes, for whatever reason (also a local close). */
  readonly onClose?: (error: DsDisconnected) => void;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_INCOMING_FRAME_BYTES = 64 * 1024 * 1024;
export const DEFAULT_IDLE_TIMEOUT_MS = 75_000;

interface Pending {
  readonly id: number;
  readonly req: PreparedRequest<DsRequestType>;
  readonly text: string;
  sent: boolean;
  timer: TimerHandle;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
}

/** Late responses remembered per connection (ids of requests that timed out after being sent). */
const MAX_LATE_IDS = 1024;

export function checkUrl(url: unknown): string {
  if (typeof url !== 'string') throw new DsArgumentError('url: expected a string');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DsArgumentError(`url: ${JSON.stringify(url.slice(0, 200))} is not a URL`);
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new DsArgumentError(`url: expected ws:// or wss://, got ${u.protocol}//`);
  return url;
}

function positive(v: unknown, name: string, allowZero = false, max = MAX_TIMER_MS): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < (allowZero ? 0 : 1) || v > max) {
    throw new DsArgumentError(`${name}: expected a number in [${allowZero ? 0 : 1}, ${max}]`);
  }
  return v;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

export class Connection {
  private state: 'hello' | 'open' | 'closed' = 'hello';
  private readonly ws: WebSocket;
  private readonly clock: Clock;
  private readonly log: DsLogger;
  private helloValue: DsHello | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly outbox: Pending[] = [];
  private inFlight = 0;
  private maxInFlight = 1;
  private bucket: TokenBucket | undefined;
  private pumpTimer: TimerHandle | undefined;
  private readonly late = new Set<number>();
  private lastActivity: number;
  private connectTimer: TimerHandle | undefined;
  private idleTimer: TimerHandle | undefined;
  /** Why we closed, when we did (else the close came from the server or the network). */
  private localReason: { message: string; cause?: Error; code?: number } | undefined;
  private lastSocketError: Error | undefined;
  private readonly ready: Promise<Connection>;
  private resolveReady!: (c: Connection) => void;
  private rejectReady!: (e: Error) => void;
  private resolveClosed!: (e: DsDisconnected) => void;
  /** Resolves with the disconnection once the connection is closed (also when it never opened). */
  readonly closed: Promise<DsDisconnected>;

  private constructor(private readonly o: ConnectionOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = o.log ?? silentLogger;
    this.lastActivity = this.clock.now();
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Callers that never await `ready` (it is returned by open) must not see an unhandled rejection.
    this.ready.catch(() => {});
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const options: ClientOptions = {
      maxPayload: o.maxIncomingFrameBytes ?? DEFAULT_MAX_INCOMING_FRAME_BYTES,
      perMessageDeflate: false,
      followRedirects: false,
      ...(o.tls?.ca === undefined ? {} : { ca: o.tls.ca as ClientOptions['ca'] }),
    };
    const timeout = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.ws = (o.createWebSocket ?? ((url, opts) => new WebSocket(url, opts)))(o.url, { ...options, handshakeTimeout: timeout });
    this.connectTimer = this.clock.setTimeout(() => {
      this.connectTimer = undefined;
      this.shutdown(`no hello from the server within ${timeout} ms`, undefined, 'terminate');
    }, timeout);
    this.ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    this.ws.on('ping', () => (this.lastActivity = this.clock.now()));
    this.ws.on('pong', () => (this.lastActivity = this.clock.now()));
    this.ws.on('error', (err) => {
      this.lastSocketError = err;
      this.log('debug', `ds connection error: ${err.message}`);
    });
    this.ws.on('close', (code, reason) => this.onSocketClose(code, reason.toString('utf8').slice(0, 200)));
    if (o.signal !== undefined) {
      const onAbort = (): void => this.shutdown('aborted by the client', undefined, 'terminate');
      if (o.signal.aborted) onAbort();
      else {
        o.signal.addEventListener('abort', onAbort, { once: true });
        void this.closed.then(() => o.signal!.removeEventListener('abort', onAbort));
      }
    }
  }

  /** Connects and waits for `hello`. Rejects with DsUnreachable, or DsProtocolError when the server is not an Arbor DS. */
  static open(options: ConnectionOptions): Promise<Connection> {
    try {
      checkUrl(options.url);
      positive(options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, 'connectTimeoutMs');
      positive(options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, 'idleTimeoutMs', true);
      positive(options.maxIncomingFrameBytes ?? DEFAULT_MAX_INCOMING_FRAME_BYTES, 'maxIncomingFrameBytes', false, Number.MAX_SAFE_INTEGER);
      return new Connection(options).ready;
    } catch (err) {
      if (err instanceof DsArgumentError) return Promise.reject(err);
      // The ws constructor throws on what it cannot use (e.g. a bad host).
      return Promise.reject(new DsUnreachable(options.url, (err as Error).message, { cause: err }));
    }
  }

  /** The server's announced limits. */
  get hello(): DsHello {
    return this.helloValue!;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Sends one request; resolves with its decoded result or rejects with a Ds* error. */
  request<T extends DsRequestType>(req: PreparedRequest<T>, timeoutMs: number): Promise<DsResult<T>> {
    if (this.state !== 'open') return Promise.reject(new DsDisconnected(`${req.type}: the connection is not open`, false));
    try {
      positive(timeoutMs, 'timeoutMs');
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const id = this.nextId++;
    const text = JSON.stringify({ v: PROTOCOL_VERSION, id, type: req.type, ...req.fields });
    const bytes = Buffer.byteLength(text, 'utf8');
    // The server would close the whole connection (1009) for it, taking every other request along.
    if (bytes > this.hello.maxFrameBytes) return Promise.reject(new DsFrameTooLarge(req.type, bytes, this.hello.maxFrameBytes));
    return new Promise<DsResult<T>>((resolve, reject) => {
      const p: Pending = { id, req, text, sent: false, timer: undefined, resolve: resolve as (v: unknown) => void, reject };
      p.timer = this.clock.setTimeout(() => this.onTimeout(p, timeoutMs), timeoutMs);
      this.pending.set(id, p);
      this.outbox.push(p);
      this.pump();
    });
  }

  /** challenge → sign → login. */
  async login(userId: string, deviceId: string, key: DeviceKey, timeoutMs: number): Promise<DeviceRef> {
    argId(userId, 'userId');
    argId(deviceId, 'deviceId');
    const deadline = this.clock.now() + positive(timeoutMs, 'timeoutMs');
    const { challenge } = await this.request(prepareRequest('challenge', {}), timeoutMs);
    const signature = key.signLogin(challenge, userId, deviceId);
    return this.request(prepareRequest('login', { userId, deviceId, challenge, signature }), this.left(deadline, 'login'));
  }

  /** challenge → sign → register (logs this connection in). `authorization` for a further device of an existing user. */
  async register(userId: string, deviceId: string, key: DeviceKey, authorization: DsAuthorization | undefined, timeoutMs: number): Promise<DeviceRef> {
    argId(userId, 'userId');
    argId(deviceId, 'deviceId');
    const deadline = this.clock.now() + positive(timeoutMs, 'timeoutMs');
    const { challenge } = await this.request(prepareRequest('challenge', {}), timeoutMs);
    const signature = key.signRegister(challenge, userId, deviceId);
    const params = { userId, deviceId, publicKey: key.publicKey, challenge, signature, ...(authorization === undefined ? {} : { authorization }) };
    return this.request(prepareRequest('register', params), this.left(deadline, 'register'));
  }

  private left(deadline: number, what: string): number {
    const ms = deadline - this.clock.now();
    if (ms < 1) throw new DsTimeout(`${what}: no time left after the challenge`, false);
    return ms;
  }

  /** Closes the connection; waiting requests reject with DsDisconnected at once. */
  close(reason = 'closed by the client'): void {
    this.shutdown(reason, undefined, 'close');
  }

  // ---------------------------------------------------------------- sending

  private pump(): void {
    if (this.pumpTimer !== undefined) return;
    while (this.state === 'open' && this.outbox.length > 0 && this.inFlight < this.maxInFlight) {
      // A socket the server has begun to close would swallow the frame; leave it queued (it fails unsent).
      if (this.ws.readyState !== WebSocket.OPEN) return;
      const wait = this.bucket!.waitMs();
      if (wait > 0) {
        this.pumpTimer = this.clock.setTimeout(() => {
          this.pumpTimer = undefined;
          this.pump();
        }, wait);
        return;
      }
      const p = this.outbox.shift()!;
      this.bucket!.take();
      p.sent = true;
      this.inFlight++;
      try {
        this.ws.send(p.text);
      } catch (err) {
        this.shutdown(`cannot send: ${(err as Error).message}`, err as Error, 'terminate');
        return;
      }
    }
  }

  private onTimeout(p: Pending, timeoutMs: number): void {
    if (this.pending.get(p.id) !== p) return;
    this.pending.delete(p.id);
    if (p.sent) {
      // The server still has it queued; its answer may come later and is then dropped quietly.
      this.inFlight--;
      this.late.add(p.id);
      if (this.late.size > MAX_LATE_IDS) this.late.delete(this.late.values().next().value!);
      this.pump();
    } else {
      const i = this.outbox.indexOf(p);
      if (i >= 0) this.outbox.splice(i, 1);
    }
    p.reject(new DsTimeout(`${p.req.type}: no response within ${timeoutMs} ms`, p.sent));
  }

  // ---------------------------------------------------------------- receiving

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.state === 'closed') return;
    this.lastActivity = this.clock.now();
    try {
      if (isBinary) throw new DsProtocolError('frame: binary frames are not part of protocol v1');
      const frame = parseServerFrame(rawText(data));
      if (frame.kind === 'push') this.onPush(frame.push);
      else if (this.state === 'hello') throw new DsProtocolError(`frame: ${frame.kind === 'unknown-push' ? `push ${frame.name}` : 'a response'} before hello`);
      else if (frame.kind === 'unknown-push') this.report(new DsProtocolError(`push ${JSON.stringify(frame.name)}: unknown kind, ignored`), 'ignored');
      else this.onResponse(frame);
    } catch (err) {
      const e = err instanceof DsProtocolError ? err : new DsProtocolError(`frame: ${(err as Error).message}`);
      this.report(e, 'dropped');
      this.shutdown(`protocol violation: ${e.message}`, e, 'terminate', 1002);
    }
  }

  private onPush(push: DsPush): void {
    if (push.push === 'hello') {
      if (this.state !== 'hello') throw new DsProtocolError('push hello: a second hello');
      this.opened(push.hello);
      return;
    }
    if (this.state === 'hello') throw new DsProtocolError(`push ${push.push}: before hello`);
    try {
      this.o.onPush?.(push);
    } catch (err) {
      // The handler's bug, not the server's: keep the connection.
      this.log('warn', `ds push handler threw: ${(err as Error).stack ?? String(err)}`);
    }
  }

  private opened(hello: DsHello): void {
    this.helloValue = hello;
    this.state = 'open';
    if (this.connectTimer !== undefined) this.clock.clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    // Margins below the server's limits: responses to requests that timed out
    // still occupy its queue, and frames sent apart can arrive together.
    this.maxInFlight = Math.max(1, Math.floor(hello.maxQueuedRequests / 2));
    this.bucket = new TokenBucket(this.clock, Math.max(1, Math.floor(hello.rateBurst / 2)), hello.ratePerSecond);
    this.lastActivity = this.clock.now();
    this.armIdle();
    this.resolveReady(this);
  }

  private armIdle(): void {
    const idle = this.o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (idle === 0 || this.state !== 'open') return;
    this.idleTimer = this.clock.setTimeout(
      () => {
        this.idleTimer = undefined;
        if (this.state !== 'open') return;
        if (this.clock.now() - this.lastActivity >= idle) this.shutdown(`nothing from the server for ${idle} ms`, undefined, 'terminate');
        else this.armIdle();
      },
      Math.max(1, Math.ceil(idle / 3)),
    );
  }

  private onResponse(frame: Exclude<ServerFrame, { kind: 'push' } | { kind: 'unknown-push' }>): void {
    const id = frame.id;
    const p = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (p === undefined || !p.sent) {
      if (typeof id === 'number' && this.late.delete(id)) {
        this.log('debug', `ds late response to #${id} ignored`);
        return;
      }
      const what = frame.kind === 'refusal' ? ` (${frame.code}: ${frame.reason.slice(0, 200)})` : '';
      this.report(new DsProtocolError(`response: id ${JSON.stringify(id)} answers no waiting request${what}; ignored`), 'ignored');
      return;
    }
    this.pending.delete(p.id);
    this.clock.clearTimeout(p.timer);
    this.inFlight--;
    if (frame.kind === 'refusal') p.reject(requestError(p.req.type, frame.code, frame.reason, frame.extra));
    else {
      let error: DsProtocolError;
      if (frame.kind === 'bad-response') error = frame.error;
      else {
        try {
          p.resolve(decodeResult(p.req, frame.body));
          this.pump();
          return;
        } catch (err) {
          error = err instanceof DsProtocolError ? err : new DsProtocolError(`${p.req.type}: ${(err as Error).message}`);
        }
      }
      this.report(error, 'rejected');
      p.reject(error);
    }
    this.pump();
  }

  private report(error: DsProtocolError, action: ProtocolErrorAction): void {
    this.log('warn', `ds protocol error (${action}): ${error.message}`);
    try {
      this.o.onProtocolError?.(error, action);
    } catch (err) {
      this.log('warn', `ds protocol error handler threw: ${(err as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- closing

  private onSocketClose(code: number, reason: string): void {
    const err = this.lastSocketError;
    // ws closes on its own for what the server sent wrong at the WebSocket level; name it, with the close code ws sent.
    const wsCode = (err as { code?: unknown } | undefined)?.code;
    if (wsCode === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      const limit = this.o.maxIncomingFrameBytes ?? DEFAULT_MAX_INCOMING_FRAME_BYTES;
      this.finish(`a frame from the server exceeded maxIncomingFrameBytes (${limit})`, err, 1009);
    } else if (typeof wsCode === 'string' && wsCode.startsWith('WS_ERR_')) {
      this.finish(`the server broke the WebSocket protocol: ${err!.message}`, err, 1002);
    } else this.finish(err?.message ?? `closed by the server (code ${code}${reason.length > 0 ? `: ${reason}` : ''})`, err, code);
  }

  /** Our own decision to close: settle everything now, then close the socket. */
  private shutdown(message: string, cause: Error | undefined, how: 'close' | 'terminate', code?: number): void {
    if (this.state === 'closed') return;
    this.localReason = { message, ...(cause === undefined ? {} : { cause }), ...(code === undefined ? {} : { code }) };
    this.finish(message, cause, code);
    try {
      if (how === 'terminate' || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
      else {
        this.ws.close(1000, message.slice(0, 120));
        // A peer that never completes the closing handshake must not keep the socket.
        setTimeout(() => this.ws.terminate(), 2000).unref();
      }
    } catch (err) {
      this.log('debug', `ds close: ${(err as Error).message}`);
    }
  }

  private finish(message: string, cause: Error | undefined, code: number | undefined): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    for (const t of [this.connectTimer, this.idleTimer, this.pumpTimer]) if (t !== undefined) this.clock.clearTimeout(t);
    this.connectTimer = this.idleTimer = this.pumpTimer = undefined;
    const local = this.localReason;
    const error = new DsDisconnected(local?.message ?? message, false, local?.code ?? code, { cause: local?.cause ?? cause });
    const waiting = [...this.pending.values()];
    this.pending.clear();
    this.outbox.length = 0;
    for (const p of waiting) {
      this.clock.clearTimeout(p.timer);
      p.reject(error.forRequest(p.sent));
    }
    if (wasOpen) {
      try {
        this.o.onClose?.(error);
      } catch (err) {
        this.log('warn', `ds close handler threw: ${(err as Error).message}`);
      }
    } else if (local?.cause instanceof DsProtocolError) this.rejectReady(local.cause);
    else this.rejectReady(new DsUnreachable(this.o.url, local?.message ?? message, { cause: local?.cause ?? cause }));
    this.resolveClosed(error);
  }
}
