// The transport of the delivery service: HTTP(S) + WebSocket (package ws),
// JSON text frames (protocol v1, docs/protocol.md). Per connection: a token
// bucket rate limit, requests handled one at a time in arrival order, a bound
// on pushes not yet acknowledged. Nothing a client sends can throw out of here.

import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { ErrorCode, PROTOCOL_VERSION, ProtocolError, toB64, type Json } from './protocol.js';
import { DeliveryService, defaultServiceConfig, messageJson, welcomeJson, type Notifier, type ServiceConfig, type Session } from './service.js';
import type { DeviceRef, Storage, StoredMessage, WelcomeRecord } from './storage/types.js';

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly storage: Storage;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** WebSocket frame size limit (ws maxPayload); larger frames close the connection with 1009. */
  readonly maxFrameBytes: number;
  /** Token bucket: requests per second refilled, and bucket size. */
  readonly ratePerSecond: number;
  readonly rateBurst: number;
  /** Requests queued on one connection before further ones are refused as rate_limited. */
  readonly maxQueuedRequests: number;
  /** Pushes a connection may have unacknowledged; beyond it the server sends one `behind` push per group. */
  readonly maxUnackedPushes: number;
  readonly retentionMs: number;
  readonly purgeIntervalMs: number;
  readonly loginTimeoutMs: number;
  readonly heartbeatMs: number;
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
  maxQueuedRequests: 64,
  maxUnackedPushes: 1000,
  retentionMs: 30 * 24 * 3600 * 1000,
  purgeIntervalMs: 3600 * 1000,
  loginTimeoutMs: 30_000,
  heartbeatMs: 30_000,
  service: defaultServiceConfig,
  now: (): number => Date.now(),
  log: (line: string): void => console.log(line),
} satisfies Partial<ServerOptions>;

interface Conn {
  readonly id: number;
  readonly ws: WebSocket;
  readonly session: Session;
  readonly remote: string;
  tokens: number;
  refilledAt: number;
  queued: number;
  queue: Promise<void>;
  alive: boolean;
  /** Per group (base64 id): sequence numbers pushed and not yet acknowledged, ascending. */
  readonly pushed: Map<string, number[]>;
  unacked: number;
  /** Groups for which a `behind` push was sent since the last ack. */
  readonly behind: Set<string>;
}

const devKey = (d: DeviceRef): string => `${d.userId}\u0000${d.deviceId}`;

export class DeliveryServer implements Notifier {
  private readonly http: HttpServer;
  private readonly wss: WebSocketServer;
  private readonly service: DeliveryService;
  private readonly conns = new Set<Conn>();
  private readonly bySession = new Map<Session, Conn>();
  private readonly byDevice = new Map<string, Set<Conn>>();
  private nextId = 1;
  private closing: Promise<void> | null = null;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly o: ServerOptions) {
    this.service = new DeliveryService(o.storage, o.service, o.now, this);
    const onHttp = (_req: IncomingMessage, res: import('node:http').ServerResponse): void => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('arbor delivery service: WebSocket only\n');
    };
    this.http = o.tls !== undefined ? createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, onHttp) : createHttpServer(onHttp);
    this.http.on('clientError', (_err, socket) => socket.destroy());
    this.wss = new WebSocketServer({ server: this.http, maxPayload: o.maxFrameBytes, perMessageDeflate: false });
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
    this.wss.on('error', (err) => o.log(`server error ${err.message}`));
  }

  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.o.port, this.o.host, () => {
        this.http.off('error', reject);
        this.http.on('error', (err) => this.o.log(`server error ${err.message}`));
        const purge = (): void => void this.purge();
        purge();
        this.timers.push(setInterval(purge, this.o.purgeIntervalMs).unref());
        this.timers.push(setInterval(() => this.heartbeat(), this.o.heartbeatMs).unref());
        resolve((this.http.address() as AddressInfo).port);
      });
    });
  }

  /** Deletes messages and Welcomes older than the retention period. */
  async purge(): Promise<void> {
    try {
      const r = await this.o.storage.purgeExpired(this.o.now() - this.o.retentionMs);
      if (r.messages + r.welcomes > 0) this.o.log(`purged ${r.messages} messages and ${r.welcomes} welcomes past retention`);
    } catch (err) {
      this.o.log(`purge failed: ${(err as Error).message}`);
    }
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

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const c: Conn = {
      id: this.nextId++,
      ws,
      session: this.service.newSession(),
      remote: `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`,
      tokens: this.o.rateBurst,
      refilledAt: this.o.now(),
      queued: 0,
      queue: Promise.resolve(),
      alive: true,
      pushed: new Map(),
      unacked: 0,
      behind: new Set(),
    };
    this.conns.add(c);
    this.bySession.set(c.session, c);
    this.o.log(`conn ${c.id} open from ${c.remote}`);
    ws.on('error', (err) => this.o.log(`conn ${c.id} error ${err.message}`));
    const loginTimer = setTimeout(() => {
      if (c.session.device === null) {
        this.o.log(`conn ${c.id} login timeout`);
        ws.close(1008, 'login timeout');
      }
    }, this.o.loginTimeoutMs).unref();
    ws.on('pong', () => (c.alive = true));
    ws.on('message', (data, isBinary) => this.onFrame(c, data, isBinary));
    ws.on('close', (code, reason) => {
      clearTimeout(loginTimer);
      this.conns.delete(c);
      this.bySession.delete(c.session);
      if (c.session.device !== null) this.byDevice.get(devKey(c.session.device))?.delete(c);
      const who = c.session.device === null ? '' : ` ${c.session.device.userId}/${c.session.device.deviceId}`;
      this.o.log(`conn ${c.id} close${who} code ${code}${reason.length > 0 ? ` ${reason.toString().slice(0, 100)}` : ''}`);
    });
    if (this.closing !== null) {
      ws.close(1001, 'server shutting down');
      return;
    }
    this.send(c, {
      push: 'hello',
      server: 'arbor-ds',
      maxFrameBytes: this.o.maxFrameBytes,
      maxMessageBytes: this.o.service.maxMessageBytes,
      ratePerSecond: this.o.ratePerSecond,
      rateBurst: this.o.rateBurst,
      maxQueuedRequests: this.o.maxQueuedRequests,
      maxUnackedPushes: this.o.maxUnackedPushes,
      pastEpochs: this.o.service.pastEpochs,
      loginTimeoutMs: this.o.loginTimeoutMs,
    });
  }

  private send(c: Conn, obj: Json): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    c.ws.send(JSON.stringify({ v: PROTOCOL_VERSION, ...obj }));
  }

  private refuse(c: Conn, id: unknown, e: ProtocolError): void {
    this.o.log(`conn ${c.id} refused ${e.code}: ${e.reason.slice(0, 200)}`);
    this.send(c, { id: id ?? null, ok: false, error: e.code, reason: e.reason, ...e.extra });
  }

  private takeToken(c: Conn): boolean {
    const t = this.o.now();
    c.tokens = Math.min(this.o.rateBurst, c.tokens + ((t - c.refilledAt) / 1000) * this.o.ratePerSecond);
    c.refilledAt = t;
    if (c.tokens < 1) return false;
    c.tokens -= 1;
    return true;
  }

  private onFrame(c: Conn, data: RawData, isBinary: boolean): void {
    try {
      let req: Json;
      let id: unknown = null;
      // Every frame costs a token, well-formed or not.
      const allowed = this.takeToken(c);
      if (!allowed && isBinary) {
        this.refuse(c, null, new ProtocolError(ErrorCode.rateLimited, 'too many requests; slow down'));
        return;
      }
      if (isBinary) {
        this.refuse(c, null, new ProtocolError(ErrorCode.badFrame, 'binary frames are not part of protocol v1; send JSON text'));
        return;
      }
      try {
        const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
        req = parsed as Json;
      } catch (err) {
        this.refuse(c, null, new ProtocolError(ErrorCode.badFrame, `not a JSON object: ${(err as Error).message}`));
        return;
      }
      if ((typeof req.id === 'number' && Number.isSafeInteger(req.id)) || (typeof req.id === 'string' && req.id.length <= 64)) id = req.id;
      else {
        this.refuse(c, null, new ProtocolError(ErrorCode.badFrame, 'id: expected an integer or a string of at most 64 characters'));
        return;
      }
      if (!allowed || c.queued >= this.o.maxQueuedRequests) {
        this.refuse(c, id, new ProtocolError(ErrorCode.rateLimited, 'too many requests; slow down'));
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
      // One request at a time per connection, in arrival order.
      c.queue = c.queue.then(() => this.process(c, id, type, req)).finally(() => c.queued--);
    } catch (err) {
      this.o.log(`conn ${c.id} internal error on frame: ${(err as Error).stack ?? String(err)}`);
    }
  }

  private async process(c: Conn, id: unknown, type: string, req: Json): Promise<void> {
    try {
      const wasLoggedIn = c.session.device !== null;
      const result = await this.service.handle(c.session, type, req);
      if (!wasLoggedIn && c.session.device !== null) {
        const d = c.session.device;
        let set = this.byDevice.get(devKey(d));
        if (set === undefined) this.byDevice.set(devKey(d), (set = new Set()));
        set.add(c);
        this.o.log(`conn ${c.id} ${type} ${d.userId}/${d.deviceId}`);
      }
      this.send(c, { id, ok: true, ...result });
    } catch (err) {
      if (err instanceof ProtocolError) this.refuse(c, id, err);
      else {
        this.o.log(`conn ${c.id} internal error on ${type}: ${(err as Error).stack ?? String(err)}`);
        this.send(c, { id, ok: false, error: ErrorCode.internal, reason: 'internal server error' });
      }
    }
  }

  // Notifier: called by the service after a transaction has committed.

  message(msg: StoredMessage, to: readonly DeviceRef[], origin: Session): void {
    const g = toB64(msg.groupId);
    let body: string | null = null;
    for (const d of to) {
      for (const c of this.byDevice.get(devKey(d)) ?? []) {
        if (c.session === origin || c.ws.readyState !== WebSocket.OPEN) continue;
        if (c.unacked >= this.o.maxUnackedPushes) {
          if (!c.behind.has(g)) {
            c.behind.add(g);
            this.send(c, { push: 'behind', groupId: g, seq: msg.seq });
          }
          continue;
        }
        body ??= JSON.stringify({ v: PROTOCOL_VERSION, push: 'message', ...messageJson(msg) });
        c.ws.send(body);
        let q = c.pushed.get(g);
        if (q === undefined) c.pushed.set(g, (q = []));
        q.push(msg.seq);
        c.unacked++;
      }
    }
  }

  welcome(device: DeviceRef, w: WelcomeRecord): void {
    for (const c of this.byDevice.get(devKey(device)) ?? []) this.send(c, { push: 'welcome', ...welcomeJson(w) });
  }

  acked(session: Session, groupId: Uint8Array, acked: number): void {
    const c = this.bySession.get(session);
    if (c === undefined) return;
    const g = toB64(groupId);
    c.behind.delete(g);
    const q = c.pushed.get(g);
    if (q === undefined) return;
    let n = 0;
    while (n < q.length && q[n]! <= acked) n++;
    q.splice(0, n);
    c.unacked -= n;
    if (q.length === 0) c.pushed.delete(g);
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
      await this.o.storage.close();
      this.o.log('stopped');
    })();
    return this.closing;
  }
}
