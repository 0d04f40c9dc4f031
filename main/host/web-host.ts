// The web host: the built renderer on a loopback HTTP port, plus the contract
// over a WebSocket to a real core (its own data directory). This is how Arbor
// runs on a machine without Electron's binary (`npm run web`), and how the UI
// is tested in Chromium. Any local page could otherwise reach the core, so the
// WebSocket needs the random token from the printed address and a request
// whose Origin (and Host) is this host itself; every call is checked against
// the contract before it reaches the core.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { asCall, EVENT_NAMES, toWireError, validateCall, type ArborApi, type CommandName } from '../contract/index.js';
import { contentSecurityPolicy, securityHeaders } from '../app/csp.js';
import { readStatic } from '../app/static-files.js';
import { startCore, type CoreHandle, type StartCoreOptions } from '../core/start.js';

export const BRIDGE_PATH = '/arbor-bridge.js';
export const CONTRACT_PATH = '/contract';
/** A call is at most one 64 KiB text (4 bytes per UTF-16 unit, at worst) plus its envelope. */
const MAX_FRAME = 1024 * 1024;

export interface WebHostOptions extends Omit<StartCoreOptions, 'dataDir'> {
  readonly dataDir: string;
  /** The built renderer (out/renderer). */
  readonly rendererDir: string;
  /** The built bridge script (out/host/web-bridge.js). */
  readonly bridgeFile: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  readonly host?: string;
  readonly log?: (line: string) => void;
}

export interface WebHost {
  /** The address to open: http://127.0.0.1:PORT/#token=... */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** The core behind the host (for the process that started it). */
  readonly api: ArborApi;
  readonly core: CoreHandle;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host);
}

/** Host header values this host answers to (no DNS-rebinding name ever matches). */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

export function tokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Decides an upgrade request: null when allowed, else the HTTP status and reason to refuse it with. */
export function checkUpgrade(req: { url?: string | undefined; headers: IncomingMessage['headers'] }, port: number, token: string): { status: number; reason: string } | null {
  const hosts = allowedHosts(port);
  const host = req.headers.host;
  if (host === undefined || !hosts.has(host)) return { status: 403, reason: 'wrong Host' };
  const origin = req.headers.origin;
  if (origin === undefined || origin !== `http://${host}`) return { status: 403, reason: 'wrong Origin' };
  let u: URL;
  try {
    u = new URL(req.url ?? '', `http://${host}`);
  } catch {
    return { status: 400, reason: 'bad URL' };
  }
  if (u.pathname !== CONTRACT_PATH) return { status: 404, reason: 'no such path' };
  if (!tokenMatches(token, u.searchParams.get('token'))) return { status: 401, reason: 'wrong token' };
  return null;
}

/** Inserts the bridge script before anything else in <head>, so window.arbor exists when the app starts. */
export function injectBridge(html: string): string {
  const tag = `<script src="${BRIDGE_PATH}"></script>`;
  const i = html.search(/<head[^>]*>/i);
  if (i === -1) throw new Error('index.html has no <head>');
  const end = html.indexOf('>', i) + 1;
  return `${html.slice(0, end)}\n    ${tag}${html.slice(end)}`;
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const listenHost = opts.host ?? '127.0.0.1';
  if (!isLoopbackHost(listenHost)) throw new Error(`the web host listens on loopback only (127.0.0.1, ::1, localhost), not ${listenHost}`);
  const log = opts.log ?? (() => {});
  const { dataDir, rendererDir, bridgeFile, port: _p, host: _h, log: _l, ...coreOptions } = opts;
  const bridge = await readFile(bridgeFile);
  const token = randomBytes(24).toString('base64url');
  const core = await startCore({ dataDir, ...coreOptions });
  const api = core.api;
  const invoke = api.invoke.bind(api) as unknown as (c: CommandName, a: unknown) => Promise<unknown>;

  const sockets = new Set<WebSocket>();
  const offs = EVENT_NAMES.map((event) =>
    api.on(event, (payload) => {
      const frame = JSON.stringify({ type: 'event', event, payload });
      for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
    }),
  );

  let port = 0;
  let csp = '';
  const server: Server = createServer((req, res) => void serve(req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const host = req.headers.host;
      if (host === undefined || !allowedHosts(port).has(host)) {
        res.writeHead(403, securityHeaders(csp)).end();
        return;
      }
      const u = new URL(req.url ?? '/', `http://${host}`);
      if (u.pathname === BRIDGE_PATH) {
        res.writeHead(200, { ...securityHeaders(csp), 'Content-Type': 'text/javascript; charset=utf-8', 'Content-Length': String(bridge.length) });
        res.end(req.method === 'HEAD' ? undefined : bridge);
        return;
      }
      const f = await readStatic(rendererDir, req.method ?? 'GET', u.pathname, csp);
      if (f.status === 200 && f.body !== null && f.headers['Content-Type']?.startsWith('text/html') === true) {
        const body = Buffer.from(injectBridge(f.body.toString('utf8')));
        res.writeHead(200, { ...f.headers, 'Content-Length': String(body.length) }).end(body);
        return;
      }
      res.writeHead(f.status, f.headers).end(f.body ?? undefined);
    } catch (e) {
      log(`http: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) res.writeHead(500).end();
    }
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = checkUpgrade(req, port, token);
    if (refusal !== null) {
      log(`refused a WebSocket: ${refusal.reason}`);
      socket.end(`HTTP/1.1 ${refusal.status} ${refusal.reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only');
      let call;
      try {
        call = asCall(JSON.parse(data.toString()));
      } catch {
        call = undefined;
      }
      if (call === undefined) return ws.close(1008, 'not a contract call');
      const { id } = call;
      void (async () => {
        let reply;
        try {
          const checked = validateCall(call.command, call.args);
          reply = { type: 'reply', id, ok: true, result: (await invoke(checked.command, checked.args)) ?? null };
        } catch (e) {
          reply = { type: 'reply', id, ok: false, error: toWireError(e) };
        }
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
      })();
    });
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, listenHost, () => resolve());
    });
  } catch (e) {
    await core.close();
    throw e;
  }
  port = (server.address() as AddressInfo).port;
  const origin = `http://${listenHost === '::1' ? '[::1]' : listenHost}:${port}`;
  csp = contentSecurityPolicy({ connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`] });

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    api,
    core,
    close() {
      closing ??= (async () => {
        for (const off of offs) off();
        for (const ws of sockets) ws.terminate();
        wss.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await core.close();
      })();
      return closing;
    },
  };
}
