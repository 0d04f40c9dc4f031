// The transport of the delivery service: HTTP(S) + WebSocket (package ws),
// JSON text frames (protocol v1, docs/protocol.md). Nothing a client sends can
// throw out of here, and no client can make the server hold unbounded memory:
// - connections are capped in total and per remote address when the TCP
//   socket is accepted (conn-gate.ts), and per logged-in device (the oldest
//   goes);
// - requests are rate-limited per connection, per device and (logins) per
//   address, queued in bounded number and bytes, and run one at a time;
// - output is bounded in bytes: while a connection's unsent output
//   (bufferedAmount) is over its budget the server stops reading its requests
//   and stops pushing to it (the `behind` mechanism), and closes it if it stays
//   over for too long; pushes not yet acknowledged are bounded in number and
//   in bytes;
// - refusals are logged in aggregate, one line per connection per interval.

import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { LocalFanout, type Fanout, type PushSink } from './cluster/fanout.js';
import { ConnectionGate } from './conn-gate.js';
import { devKey } from './identity.js';
import { maxPayloadBytes } from './json.js';
import { q } from './log.js';
import { ErrorCode, PROTOCOL_REVISION, PROTOCOL_VERSION, ProtocolError, toB64, type Json } from './protocol.js';
import { KeyedBuckets, TokenBucket } from './rate-limit.js';
import { DeliveryService, defaultServiceConfig, messageJson, welcomeJson, type Notifier, type ServiceConfig, type Session } from './service.js';
import type { DeviceRef, Storage, StoredMessage, WelcomeRecord } from './storage/types.js';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly storage: Storage;
  /** How accepted messages reach connected devices: at once (one process, the default), or through the database (cluster/pg-fanout.ts). */
  readonly fanout?: Fanout<Session>;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** WebSocket frame size limit (ws maxPayload); larger frames close the connection with 1009. */
  readonly maxFrameBytes: number;
  /** Token bucket per connection: requests per second refilled, and bucket size. */
  readonly ratePerSecond: number;
  readonly rateBurst: number;
  /** Token bucket per logged-in device, over all its connections. */
  readonly deviceRatePerSecond: number;
  readonly deviceRateBurst: number;
  /** Token bucket per remote address for challenge/register/login. */
  readonly loginRatePerSecond: number;
  readonly loginRateBurst: number;
  /** Requests queued on one connection (in number and in frame bytes) before further ones are refused as rate_limited. */
  readonly maxQueuedRequests: number;
  readonly maxQueuedBytes: number;
  /** Pushes a connection may have unacknowledged, in number and bytes; beyond, one `behind` push per group. */
  readonly maxUnackedPushes: number;
  readonly maxUnackedBytes: number;
  /** Unsent output a connection may have before the server stops reading and pushing (at least twice maxFrameBytes). */
  readonly maxBufferedBytes: number;
  /** A connection over its output budget this long is closed. */
  readonly slowCloseMs: number;
  /** Open TCP connections: in total, per remote address; logged-in connections per device. */
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
  readonly maxConnectionsPerDevice: number;
  readonly retentionMs: number;
  readonly purgeIntervalMs: number;
  readonly loginTimeoutMs: number;
  readonly heartbeatMs: number;
  /** Refusals are logged in aggregate at this interval (and when the connection closes). */
  readonly refusalLogMs: number;
  readonly service: ServiceConfig;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

export const defaultServerOptions = {
  host: '127.0.0.1',
  port: 7443,
  maxFrameBytes: 1024 * 1024,
  ratePerSecond: 100,
  rateBurst: 200,
  deviceRatePerSecond: 200,
  deviceRateBurst: 400,
  loginRatePerSecond: 20,
  loginRateBurst: 100,
  maxQueuedRequests: 64,
  maxQueuedBytes: 8 * 1024 * 1024,
  maxUnackedPushes: 1000,
  maxUnackedBytes: 16 * 1024 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  slowCloseMs: 30_000,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 256,
  maxConnectionsPerDevice: 8,
  retentionMs: 30 * 24 * 3600 * 1000,
  purgeIntervalMs: 3600 * 1000,
  loginTimeoutMs: 30_000,
  heartbeatMs: 30_000,
  refusalLogMs: 10_000,
  service: defaultServiceConfig,
  now: (): number => Date.now(),
  log: (line: string): void => console.log(line),
} satisfies Partial<ServerOptions>;

interface Conn {
  readonly id: number;
  readonly ws: WebSocket;
  readonly session: Session;
  readonly address: string;
  readonly remote: string;
  readonly bucket: TokenBucket;
  queued: number;
  queuedBytes: number;
  queue: Promise<void>;
  alive: boolean;
  /** Per group (base64 id): pushes not yet acknowledged, ascending by seq, with their frame bytes. */
  readonly pushed: Map<string, { seq: number; bytes: number }[]>;
  unacked: number;
  unackedBytes: number;
  /** Groups for which a `behind` push was sent since the last ack. */
  readonly behind: Set<string>;
  /** When its output went over budget (undefined while under). */
  overSince: number | undefined;
  /** When the server stopped reading it to let its output drain (undefined while reading). */
  pausedSince: number | undefined;
  /** Refusals since they were last logged. */
  readonly refusals: Map<string, number>;
  lastRefusal: string;
}

const CLOSE_POLICY = 1008;

export class DeliveryServer implements Notifier, PushSink<Session> {
  private readonly http: HttpServer;
  private readonly wss: WebSocketServer;
  private readonly service: DeliveryService;
  private readonly gate: ConnectionGate;
  private readonly deviceBuckets: KeyedBuckets;
  private readonly loginBuckets: KeyedBuckets;
  private readonly conns = new Set<Conn>();
  private readonly bySession = new Map<Session, Conn>();
  private readonly byDevice = new Map<string, Set<Conn>>();
  private nextId = 1;
  private closing: Promise<void> | null = null;
  private timers: NodeJS.Timeout[] = [];
  private readonly fanout: Fanout<Session>;

  constructor(private readonly o: ServerOptions) {
    if (o.maxBufferedBytes < 2 * o.maxFrameBytes) throw new RangeError(`maxBufferedBytes ${o.maxBufferedBytes} must be at least twice maxFrameBytes ${o.maxFrameBytes}`);
    if (o.service.maxFrameBytes !== o.maxFrameBytes) throw new RangeError('service.maxFrameBytes must equal maxFrameBytes');
    this.service = new DeliveryService(o.storage, o.service, o.now, this);
    this.fanout = o.fanout ?? new LocalFanout<Session>();
    this.gate = new ConnectionGate(o.maxConnections, o.maxConnectionsPerAddress);
    this.deviceBuckets = new KeyedBuckets(o.deviceRatePerSecond, o.deviceRateBurst);
    this.loginBuckets = new KeyedBuckets(o.loginRatePerSecond, o.loginRateBurst);
    const onHttp = (_req: IncomingMessage, res: import('node:http').ServerResponse): void => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('arbor delivery service: WebSocket only\n');
    };
    this.http = o.tls !== undefined ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, onHttp) : createHttpServer(onHttp);
    // A socket that never completes its HTTP upgrade holds a slot: bound how long.
    this.http.headersTimeout = 10_000;
    this.http.requestTimeout = 15_000;
    this.http.on('connection', (socket: Socket) => this.onSocket(socket));
    this.http.on('clientError', (_err, socket) => socket.destroy());
    this.wss = new WebSocketServer({ server: this.http, maxPayload: o.maxFrameBytes, perMessageDeflate: false });
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
    this.wss.on('error', (err) => o.log(`server error ${err.message}`));
  }

  async start(): Promise<number> {
    await this.fanout.start(this);
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.o.port, this.o.host, () => {
        this.http.off('error', reject);
        this.http.on('error', (err) => this.o.log(`server error ${err.message}`));
        const purge = (): void => void this.purge();
        purge();
        this.timers.push(setInterval(purge, this.o.purgeIntervalMs).unref());
        this.timers.push(setInterval(() => this.heartbeat(), this.o.heartbeatMs).unref());
        this.timers.push(setInterval(() => this.sweep(), Math.min(1000, this.o.slowCloseMs)).unref());
        this.timers.push(setInterval(() => this.logRefusals(), this.o.refusalLogMs).unref());
        resolve((this.http.address() as AddressInfo).port);
      });
    });
  }

  /** Deletes messages, Welcomes and KeyPackages past their time. */
  async purge(): Promise<void> {
    try {
      const now = this.o.now();
      const r = await this.o.storage.purgeExpired(now - this.o.retentionMs, BigInt(Math.floor(now / 1000)));
      if (r.messages + r.welcomes + r.keyPackages > 0) {
        this.o.log(`purged ${r.messages} messages and ${r.welcomes} welcomes past retention, ${r.keyPackages} expired KeyPackages`);
      }
    } catch (err) {
      this.o.log(`purge failed: ${(err as Error).message}`);
    }
  }

  private onSocket(socket: Socket): void {
    const address = socket.remoteAddress ?? '?';
    if (this.closing !== null || !this.gate.admit(address)) {
      socket.destroy();
      return;
    }
    socket.once('close', () => this.gate.release(address));
  }

  private heartbeat(): void {
    for (const c of this.conns) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {
        c.ws.terminate();
      }
    }
  }

  /**
   * Closes connections that do not read: output over budget, or not drained
   * enough to read their requests again, for slowCloseMs.
   */
  private sweep(): void {
    const now = this.o.now();
    for (const c of this.conns) {
      if (c.ws.bufferedAmount <= this.o.maxBufferedBytes) c.overSince = undefined;
      else c.overSince ??= now;
      const since = Math.min(c.overSince ?? Infinity, c.pausedSince ?? Infinity);
      if (since !== Infinity && now - since >= this.o.slowCloseMs) {
        this.o.log(`conn ${c.id} closed: ${c.ws.bufferedAmount} bytes unsent for ${now - since} ms (the client does not read)`);
        // terminate: a close handshake cannot get through to a peer that does not read, and its buffers must go now.
        c.ws.terminate();
      }
    }
  }

  private logRefusals(): void {
    for (const c of this.conns) this.flushRefusals(c);
    for (const [address, n] of this.gate.takeRefused()) {
      this.o.log(`refused ${n} connections from ${address}: ${this.gate.openFrom(address)} open from it (cap ${this.o.maxConnectionsPerAddress}), ${this.gate.open} in total (cap ${this.o.maxConnections})`);
    }
  }

  private flushRefusals(c: Conn): void {
    if (c.refusals.size === 0) return;
    const counts = [...c.refusals].map(([code, n]) => `${code} ${n}`).join(', ');
    const total = [...c.refusals.values()].reduce((a, b) => a + b, 0);
    this.o.log(`conn ${c.id}${this.who(c)} refused ${total} requests: ${counts}; last ${c.lastRefusal}`);
    c.refusals.clear();
  }

  private who(c: Conn): string {
    return c.session.device === null ? '' : ` ${devKey(c.session.device)}`;
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const address = req.socket.remoteAddress ?? '?';
    const c: Conn = {
      id: this.nextId++,
      ws,
      session: this.service.newSession(),
      address,
      remote: `${address}:${req.socket.remotePort ?? '?'}`,
      bucket: new TokenBucket(this.o.ratePerSecond, this.o.rateBurst, this.o.now()),
      queued: 0,
      queuedBytes: 0,
      queue: Promise.resolve(),
      alive: true,
      pushed: new Map(),
      unacked: 0,
      unackedBytes: 0,
      behind: new Set(),
      overSince: undefined,
      pausedSince: undefined,
      refusals: new Map(),
      lastRefusal: '',
    };
    this.conns.add(c);
    this.bySession.set(c.session, c);
    this.o.log(`conn ${c.id} open from ${c.remote}`);
    ws.on('error', (err) => this.o.log(`conn ${c.id} error ${err.message}`));
    const loginTimer = setTimeout(() => {
      if (c.session.device === null) {
        this.o.log(`conn ${c.id} login timeout`);
        ws.close(CLOSE_POLICY, 'login timeout');
      }
    }, this.o.loginTimeoutMs).unref();
    ws.on('pong', () => (c.alive = true));
    ws.on('message', (data, isBinary) => this.onFrame(c, data, isBinary));
    ws.on('close', (code, reason) => {
      clearTimeout(loginTimer);
      this.conns.delete(c);
      this.bySession.delete(c.session);
      if (c.session.device !== null) {
        const set = this.byDevice.get(devKey(c.session.device));
        if (set?.delete(c) === true && set.size === 0) {
          this.byDevice.delete(devKey(c.session.device));
          this.fanout.offline(c.session.device);
        }
      }
      this.flushRefusals(c);
      // The reason is the client's text: quoted and escaped (log.ts), never a line of its own.
      this.o.log(`conn ${c.id} close${this.who(c)} code ${code}${reason.length > 0 ? ` reason ${q(reason.toString(), 100)}` : ''}`);
    });
    if (this.closing !== null) {
      ws.close(1001, 'server shutting down');
      return;
    }
    this.send(c, {
      push: 'hello',
      server: 'arbor-ds',
      protocolRevision: PROTOCOL_REVISION,
      maxFrameBytes: this.o.maxFrameBytes,
      maxMessageBytes: this.o.service.maxMessageBytes,
      ratePerSecond: this.o.ratePerSecond,
      rateBurst: this.o.rateBurst,
      deviceRatePerSecond: this.o.deviceRatePerSecond,
      deviceRateBurst: this.o.deviceRateBurst,
      maxQueuedRequests: this.o.maxQueuedRequests,
      maxUnackedPushes: this.o.maxUnackedPushes,
      maxUnackedBytes: this.o.maxUnackedBytes,
      pastEpochs: this.o.service.pastEpochs,
      loginTimeoutMs: this.o.loginTimeoutMs,
      keyPackageMaxBytes: this.o.service.keyPackageMaxBytes,
    });
  }

  private send(c: Conn, obj: Json): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    let text = JSON.stringify({ v: PROTOCOL_VERSION, ...obj });
    // Every response is paged to fit (json.ts); this only guards against a bug doing otherwise.
    if (text.length > this.o.maxFrameBytes) {
      this.o.log(`conn ${c.id} internal error: a ${text.length}-byte response to ${String(obj.id)} exceeds the frame limit`);
      text = JSON.stringify({ v: PROTOCOL_VERSION, id: obj.id ?? null, ok: false, error: ErrorCode.internal, reason: 'internal server error (response too large)' });
    }
    c.ws.send(text);
  }

  private refuse(c: Conn, id: unknown, e: ProtocolError): void {
    c.refusals.set(e.code, (c.refusals.get(e.code) ?? 0) + 1);
    c.lastRefusal = `${e.code}: ${q(e.reason, 200)}`;
    this.send(c, { id: id ?? null, ok: false, error: e.code, reason: e.reason, ...e.extra });
  }

  private rateLimited(retryAfterMs: number, what = 'too many requests; slow down'): ProtocolError {
    return new ProtocolError(ErrorCode.rateLimited, what, { retryAfterMs: Math.max(1, retryAfterMs) });
  }

  /** Every frame costs a token of its connection, of its device once logged in, and logins one of their address. */
  private admitRequest(c: Conn, type: unknown): ProtocolError | undefined {
    const now = this.o.now();
    if (!c.bucket.take(now)) return this.rateLimited(c.bucket.waitMs(now));
    const d = c.session.device;
    if (d !== null && !this.deviceBuckets.take(devKey(d), now)) {
      return this.rateLimited(this.deviceBuckets.waitMs(devKey(d), now), 'too many requests from this device (all its connections); slow down');
    }
    if (d === null && (type === 'challenge' || type === 'register' || type === 'login') && !this.loginBuckets.take(c.address, now)) {
      return this.rateLimited(this.loginBuckets.waitMs(c.address, now), 'too many logins from this address; slow down');
    }
    return undefined;
  }

  private onFrame(c: Conn, data: RawData, isBinary: boolean): void {
    try {
      const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
      if (isBinary) {
        const limited = this.admitRequest(c, undefined);
        this.refuse(c, null, limited ?? new ProtocolError(ErrorCode.badFrame, 'binary frames are not part of protocol v1; send JSON text'));
        return;
      }
      let req: Json;
      try {
        const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
        req = parsed as Json;
      } catch (err) {
        this.admitRequest(c, undefined);
        this.refuse(c, null, new ProtocolError(ErrorCode.badFrame, `not a JSON object: ${(err as Error).message}`));
        return;
      }
      let id: unknown;
      if ((typeof req.id === 'number' && Number.isSafeInteger(req.id)) || (typeof req.id === 'string' && req.id.length <= 64)) id = req.id;
      else {
        this.admitRequest(c, undefined);
        this.refuse(c, null, new ProtocolError(ErrorCode.badFrame, 'id: expected an integer or a string of at most 64 characters'));
        return;
      }
      const limited = this.admitRequest(c, req.type);
      if (limited !== undefined) {
        this.refuse(c, id, limited);
        return;
      }
      if (c.queued >= this.o.maxQueuedRequests || c.queuedBytes + size > this.o.maxQueuedBytes) {
        this.refuse(c, id, this.rateLimited(100, `too many requests queued on this connection (${c.queued}, ${c.queuedBytes} bytes); wait for responses`));
        return;
      }
      if (req.v !== PROTOCOL_VERSION) {
        this.refuse(c, id, new ProtocolError(ErrorCode.unsupportedVersion, `this server speaks protocol version ${PROTOCOL_VERSION}`, { supported: [PROTOCOL_VERSION] }));
        return;
      }
      if (typeof req.type !== 'string') {
        this.refuse(c, id, new ProtocolError(ErrorCode.badFrame, 'type: expected a string'));
        return;
      }
      if (this.closing !== null) {
        this.refuse(c, id, new ProtocolError(ErrorCode.shuttingDown, 'the server is shutting down; reconnect later'));
        return;
      }
      const type = req.type;
      c.queued++;
      c.queuedBytes += size;
      // One request at a time per connection, in arrival order, each only once the connection's output has drained.
      c.queue = c.queue
        .then(() => this.writable(c))
        .then(() => this.process(c, id, type, req))
        .finally(() => {
          c.queued--;
          c.queuedBytes -= size;
        });
    } catch (err) {
      this.o.log(`conn ${c.id} internal error on frame: ${(err as Error).stack ?? String(err)}`);
    }
  }

  /**
   * Resolves once the connection's unsent output is under its budget (at once
   * when it is). Meanwhile the socket is not read, so a client that pipelines
   * requests without reading the answers holds at most one budget of output.
   */
  private writable(c: Conn): Promise<void> {
    if (c.ws.bufferedAmount <= this.o.maxBufferedBytes || c.ws.readyState !== WebSocket.OPEN) return Promise.resolve();
    c.ws.pause();
    c.pausedSince = this.o.now();
    return new Promise((resolve) => {
      const check = (): void => {
        // Shutting down: answer what is queued anyway, so shutdown() never waits on a client that does not read.
        if (c.ws.readyState !== WebSocket.OPEN || c.ws.bufferedAmount <= this.o.maxBufferedBytes / 2 || this.closing !== null) {
          clearInterval(t);
          c.ws.off('close', check);
          c.pausedSince = undefined;
          if (c.ws.readyState === WebSocket.OPEN) c.ws.resume();
          resolve();
        }
      };
      const t = setInterval(check, 20);
      c.ws.on('close', check);
    });
  }

  private async process(c: Conn, id: unknown, type: string, req: Json): Promise<void> {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    try {
      const wasLoggedIn = c.session.device !== null;
      const result = await this.service.handle(c.session, type, req);
      if (!wasLoggedIn && c.session.device !== null) this.loggedIn(c, type);
      this.send(c, { id, ok: true, ...result });
    } catch (err) {
      if (err instanceof ProtocolError) this.refuse(c, id, err);
      else {
        this.o.log(`conn ${c.id} internal error on ${type}: ${(err as Error).stack ?? String(err)}`);
        this.send(c, { id, ok: false, error: ErrorCode.internal, reason: 'internal server error' });
      }
    }
  }

  /** A connection logged in: it joins its device's set; beyond the cap, the device's oldest connection goes. */
  private loggedIn(c: Conn, type: string): void {
    const d = c.session.device!;
    const k = devKey(d);
    let set = this.byDevice.get(k);
    if (set === undefined) {
      this.byDevice.set(k, (set = new Set()));
      this.fanout.online(d);
    }
    set.add(c);
    this.o.log(`conn ${c.id} ${type} ${k}`);
    while (set.size > this.o.maxConnectionsPerDevice) {
      const oldest = set.values().next().value!;
      set.delete(oldest);
      this.o.log(`conn ${oldest.id} closed: ${k} has more than ${this.o.maxConnectionsPerDevice} connections`);
      oldest.ws.close(CLOSE_POLICY, 'too many connections for this device; closing the oldest');
    }
  }

  // Notifier: called by the service after a transaction has committed.

  message(msg: StoredMessage, to: readonly DeviceRef[], origin: Session): void {
    this.fanout.accepted(msg, to, origin);
  }

  welcome(device: DeviceRef, w: WelcomeRecord): void {
    this.fanout.welcomed(device, w);
  }

  // PushSink: called by the fan-out, for messages accepted here or (cluster) by another process.

  pushMessage(msg: StoredMessage, to: readonly DeviceRef[], origin: Session | null): void {
    const g = toB64(msg.groupId);
    let body: Buffer | null = null;
    for (const d of to) {
      for (const c of this.byDevice.get(devKey(d)) ?? []) {
        if (c.session === origin || c.ws.readyState !== WebSocket.OPEN) continue;
        // One frame shared by every recipient: its bytes are buffered once however many slow readers hold it.
        body ??= Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, push: 'message', ...messageJson(msg) }));
        if (c.behind.has(g)) continue;
        if (c.unacked >= this.o.maxUnackedPushes || c.unackedBytes + body.length > this.o.maxUnackedBytes || c.ws.bufferedAmount > this.o.maxBufferedBytes) {
          c.behind.add(g);
          this.send(c, { push: 'behind', groupId: g, seq: msg.seq });
          continue;
        }
        c.ws.send(body, { binary: false });
        let list = c.pushed.get(g);
        if (list === undefined) c.pushed.set(g, (list = []));
        list.push({ seq: msg.seq, bytes: body.length });
        c.unacked++;
        c.unackedBytes += body.length;
      }
    }
  }

  pushWelcome(device: DeviceRef, w: WelcomeRecord): void {
    for (const c of this.byDevice.get(devKey(device)) ?? []) {
      // An invitation that does not fit now is still in welcome.list.
      if (c.ws.bufferedAmount > this.o.maxBufferedBytes) continue;
      this.send(c, { push: 'welcome', ...welcomeJson(w) });
    }
  }

  acked(session: Session, groupId: Uint8Array, acked: number): void {
    const c = this.bySession.get(session);
    if (c === undefined) return;
    const g = toB64(groupId);
    c.behind.delete(g);
    const list = c.pushed.get(g);
    if (list === undefined) return;
    let n = 0;
    while (n < list.length && list[n]!.seq <= acked) {
      c.unackedBytes -= list[n]!.bytes;
      n++;
    }
    list.splice(0, n);
    c.unacked -= n;
    if (list.length === 0) c.pushed.delete(g);
  }

  /** Stops accepting, lets every queued request finish (its transaction commits and is answered), then closes. */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      this.o.log('shutting down');
      for (const t of this.timers) clearInterval(t);
      this.http.close();
      await Promise.all([...this.conns].map((c) => c.queue));
      const closed = [...this.conns].map((c) => new Promise<void>((r) => c.ws.once('close', () => r())));
      for (const c of this.conns) c.ws.close(1001, 'server shutting down');
      await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, 1000).unref())]);
      for (const c of this.conns) c.ws.terminate();
      this.wss.close();
      await this.fanout.close();
      await this.o.storage.close();
      this.o.log('stopped');
    })();
    return this.closing;
  }
}

export { maxPayloadBytes };
