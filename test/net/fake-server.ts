// A scriptable fake delivery service on `ws`, for tests that need a server
// to misbehave: it sends `hello`, answers challenge and login, and hands every
// other request to a handler the test sets.

import { randomBytes } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { toBase64 } from '../../main/net/wire.js';

type Json = Record<string, unknown>;

export const HELLO = { v: 1, push: 'hello', server: 'arbor-ds', maxFrameBytes: 1048576, maxMessageBytes: 783360, ratePerSecond: 100, rateBurst: 200, maxQueuedRequests: 64, maxUnackedPushes: 1000, pastEpochs: 2, loginTimeoutMs: 30000 };

/** A scriptable fake DS: sends `hello`, answers challenge and login, hands every other request to `handler`. */
export class Fake {
  hello: string | Buffer | null = JSON.stringify(HELLO);
  login: (req: Json) => unknown = (req) => ({ v: 1, id: req.id, ok: true, userId: req.userId, deviceId: req.deviceId });
  handler: (req: Json, ws: WebSocket) => void = (req, ws) => send(ws, { v: 1, id: req.id, ok: true });
  connections = 0;
  private constructor(private readonly wss: WebSocketServer) {
    wss.on('connection', (ws) => {
      this.connections++;
      ws.on('error', () => {});
      if (this.hello !== null) ws.send(this.hello);
      ws.on('message', (data) => {
        const req = JSON.parse(String(data)) as Json;
        if (req.type === 'challenge') send(ws, { v: 1, id: req.id, ok: true, challenge: toBase64(randomBytes(32)), expiresInMs: 60000 });
        else if (req.type === 'login') send(ws, this.login(req));
        else this.handler(req, ws);
      });
    });
  }
  static async start(): Promise<Fake> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    return new Fake(wss);
  }
  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as { port: number }).port}`;
  }
  /** Cuts every open connection (as a crash would). */
  dropAll(): void {
    for (const c of this.wss.clients) c.terminate();
  }
  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

export function send(ws: WebSocket, frame: unknown): void {
  ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
}
