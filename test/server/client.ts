// The reference test client of the delivery service: spawn a real server
// process on a free loopback port with a temp database, a small protocol-v1
// client on `ws` (frames up to the announced 1 MiB, paging by `more`, waiting
// out `rate_limited` by its `retryAfterMs`), and builders of syntactically
// valid MLSMessage bytes for application messages and hostile input (the
// server never decrypts). The MLS side of a device (real groups through the
// engine) is test/server/mls-client.ts.

import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { Decoder } from '../../main/mls/codec/decoder.js';
import { Encoder } from '../../main/mls/codec/encoder.js';
import { toBeSigned, type SignLabel } from '../../server/auth.js';

export type Json = Record<string, unknown>;

// ---------------------------------------------------------------- server process

export interface ServerProc {
  readonly url: string;
  readonly port: number;
  readonly db: string;
  readonly proc: ChildProcess;
  /** Everything the server wrote to stdout so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

const ROOT = new URL('../../', import.meta.url).pathname;

/** A port nothing listens on (bound once, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'arbor-ds-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `node --import tsx server/main.ts --port 0 --db FILE ...args` and waits for its listening line. `db` may be a postgres:// URL. */
export function startServer(db: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<ServerProc> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--db', db, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start in 15 s; stderr: ${err}`));
    }, 15_000);
    // Keep draining both pipes for the life of the process, so it never blocks on a full pipe.
    proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (wss?):\/\/([^:\s]+):(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        const port = Number(m[3]);
        resolve({
          url: `${m[1]}://${m[2]}:${port}`,
          port,
          db,
          proc,
          output: () => out + err,
          exited,
          kill: (signal: NodeJS.Signals = 'SIGKILL') => {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening; stderr: ${err}`));
    });
  });
}

// ---------------------------------------------------------------- device keys

export interface DeviceKey {
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
  /** The raw 32-byte Ed25519 private key (RFC 8032 seed): the device's MLS signature key too. */
  readonly seed: Uint8Array;
}

export function newDeviceKey(): DeviceKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  return { privateKey, publicKey: new Uint8Array(Buffer.from(jwk.x!, 'base64url')), seed: new Uint8Array(Buffer.from(jwk.d!, 'base64url')) };
}

export function signAs(key: DeviceKey, label: SignLabel, fields: readonly (Uint8Array | string)[]): string {
  return sign(null, toBeSigned(label, fields), key.privateKey).toString('base64');
}

export const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
export const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

// ---------------------------------------------------------------- client

export class Client {
  private nextId = 1;
  private readonly waiting = new Map<number | string, { resolve: (r: Json) => void; reject: (e: Error) => void }>();
  readonly pushes: Json[] = [];
  private pushWaiters: { pred: (p: Json) => boolean; resolve: (p: Json) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  userId = '';
  deviceId = '';

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        // Requests still waiting will never be answered on this connection.
        for (const w of this.waiting.values()) w.reject(new Error(`connection closed (${code})`));
        this.waiting.clear();
        resolve({ code, reason: reason.toString() });
      }),
    );
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Json;
      if (msg.push !== undefined) {
        this.pushes.push(msg);
        const w = this.pushWaiters.find((x) => x.pred(msg));
        if (w !== undefined) {
          this.pushWaiters = this.pushWaiters.filter((x) => x !== w);
          w.resolve(msg);
        }
        return;
      }
      const id = msg.id as number | string | null;
      const cb = id === null ? undefined : this.waiting.get(id);
      if (cb !== undefined) {
        this.waiting.delete(id!);
        cb.resolve(msg);
      } else this.unmatched.push(msg);
    });
  }

  /** Responses with no pending request (id null: replies to frames the server could not read). */
  readonly unmatched: Json[] = [];

  /** `maxPayload`: the largest frame accepted, default the protocol's 1 MiB (hello.maxFrameBytes). */
  static connect(url: string, opts: { ca?: Buffer; localAddress?: string; maxPayload?: number } = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        maxPayload: opts.maxPayload ?? 1024 * 1024,
        ...(opts.ca === undefined ? {} : { ca: opts.ca }),
        ...(opts.localAddress === undefined ? {} : { localAddress: opts.localAddress }),
      });
      const c = new Client(ws);
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }

  request(type: string, fields: Json = {}, timeoutMs = 10_000): Promise<Json> {
    const id = this.nextId++;
    return this.requestRaw({ v: 1, id, type, ...fields }, timeoutMs);
  }

  /** Sends an arbitrary object (its id must be unique) and waits for the response with that id. */
  requestRaw(frame: Json, timeoutMs = 10_000): Promise<Json> {
    const id = frame.id as number | string;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no response to ${String(frame.type)} #${id} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (r) => {
          clearTimeout(t);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.ws.send(JSON.stringify(frame));
    });
  }

  /** Like request, but throws unless ok. */
  async ok(type: string, fields: Json = {}): Promise<Json> {
    const r = await this.request(type, fields);
    if (r.ok !== true) throw new Error(`${type} refused: ${String(r.error)}: ${String(r.reason)}`);
    return r;
  }

  /** Like ok, but waits out rate_limited refusals (by their retryAfterMs) up to `tries` times. */
  async okPatient(type: string, fields: Json = {}, tries = 50): Promise<Json> {
    for (let i = 0; ; i++) {
      const r = await this.request(type, fields);
      if (r.ok === true) return r;
      if (r.error !== 'rate_limited' || i >= tries) throw new Error(`${type} refused: ${String(r.error)}: ${String(r.reason)}`);
      await new Promise((res) => setTimeout(res, Math.min(5000, Number(r.retryAfterMs ?? 100)) + 10));
    }
  }

  /** Every message of a group after `after` (default: the device's cursor), following `more` page by page. */
  async fetchAll(groupId: Uint8Array, after?: number): Promise<Json[]> {
    const out: Json[] = [];
    let cursor = after;
    for (;;) {
      const r = await this.ok('group.fetch', { groupId: b64(groupId), ...(cursor === undefined ? {} : { after: cursor }) });
      const msgs = r.messages as Json[];
      out.push(...msgs);
      if (msgs.length > 0) cursor = msgs[msgs.length - 1]!.seq as number;
      if (r.more !== true) return out;
    }
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  nextPush(pred: (p: Json) => boolean, timeoutMs = 5000): Promise<Json> {
    const have = this.pushes.find(pred);
    if (have !== undefined) {
      this.pushes.splice(this.pushes.indexOf(have), 1);
      return Promise.resolve(have);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.pushWaiters = this.pushWaiters.filter((w) => w.resolve !== done);
        reject(new Error(`no matching push in ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (p: Json): void => {
        clearTimeout(t);
        this.pushes.splice(this.pushes.indexOf(p), 1);
        resolve(p);
      };
      this.pushWaiters.push({ pred, resolve: done });
    });
  }

  async register(userId: string, deviceId: string, key: DeviceKey, authorizedBy?: { deviceId: string; key: DeviceKey }): Promise<Json> {
    const ch = unb64((await this.ok('challenge')).challenge as string);
    const r = await this.request('register', {
      userId,
      deviceId,
      publicKey: b64(key.publicKey),
      challenge: b64(ch),
      signature: signAs(key, 'register', [ch, userId, deviceId, key.publicKey]),
      ...(authorizedBy === undefined
        ? {}
        : { authorization: { deviceId: authorizedBy.deviceId, signature: signAs(authorizedBy.key, 'add-device', [userId, deviceId, key.publicKey]) } }),
    });
    if (r.ok === true) {
      this.userId = userId;
      this.deviceId = deviceId;
    }
    return r;
  }

  async login(userId: string, deviceId: string, key: DeviceKey): Promise<Json> {
    const ch = unb64((await this.ok('challenge')).challenge as string);
    const r = await this.request('login', { userId, deviceId, challenge: b64(ch), signature: signAs(key, 'login', [ch, userId, deviceId]) });
    if (r.ok === true) {
      this.userId = userId;
      this.deviceId = deviceId;
    }
    return r;
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

/** A connected, registered and logged-in device. */
export async function device(url: string, userId: string, deviceId = 'd1'): Promise<{ client: Client; key: DeviceKey }> {
  const client = await Client.connect(url);
  const key = newDeviceKey();
  const r = await client.register(userId, deviceId, key);
  if (r.ok !== true) throw new Error(`register ${userId}/${deviceId}: ${String(r.error)} ${String(r.reason)}`);
  return { client, key };
}

// ---------------------------------------------------------------- MLS bytes

export const CT = { application: 1, proposal: 2, commit: 3 } as const;

/** MLSMessage{mls10, mls_private_message, PrivateMessage{group_id, epoch, content_type, aad, esd, ciphertext}}. */
export function privateMessage(groupId: Uint8Array, epoch: bigint, contentType: number, filler = 'x'): Uint8Array {
  const e = new Encoder().u16(1).u16(2);
  e.opaque(groupId).u64(epoch).u8(contentType).opaque(new Uint8Array(0)).opaque(new Uint8Array(12)).opaque(new TextEncoder().encode(filler));
  return e.finish();
}

/** MLSMessage{mls10, mls_public_message, FramedContent header + filler}: senderType member(1) or new_member_commit(4) etc. */
export function publicMessage(groupId: Uint8Array, epoch: bigint, contentType: number, senderType = 1, filler = 'y'): Uint8Array {
  const e = new Encoder().u16(1).u16(1).opaque(groupId).u64(epoch).u8(senderType);
  if (senderType === 1 || senderType === 2) e.u32(0);
  e.opaque(new Uint8Array(0)).u8(contentType).raw(new TextEncoder().encode(filler));
  return e.finish();
}

export function groupInfo(groupId: Uint8Array, epoch: bigint): Uint8Array {
  const e = new Encoder().u16(1).u16(4);
  e.u16(1).u16(1).opaque(groupId).u64(epoch).opaque(new Uint8Array(32)).opaque(new Uint8Array(32)).vector([], () => {});
  e.vector([], () => {}).opaque(new Uint8Array(32)).u32(0).opaque(new Uint8Array(64));
  return e.finish();
}

export function welcome(tag = 'w'): Uint8Array {
  const e = new Encoder().u16(1).u16(3).u16(1);
  e.vector([tag], (x, t) => {
    x.opaque(new TextEncoder().encode(t));
    x.opaque(new Uint8Array(32)).opaque(new Uint8Array(48));
  });
  e.opaque(new Uint8Array(40));
  return e.finish();
}

export function keyPackage(tag: string): Uint8Array {
  return new Encoder().u16(1).u16(5).u16(1).u16(1).opaque(new Uint8Array(32)).raw(new TextEncoder().encode(`leaf:${tag}`)).finish();
}

/** The filler text of a message built by privateMessage. */
export function fillerOf(bytes: Uint8Array): string {
  const d = new Decoder(bytes, 'MLSMessage');
  d.u16('version');
  d.u16('wire_format');
  d.opaque('group_id');
  d.u64('epoch');
  d.u8('content_type');
  d.opaque('authenticated_data');
  d.opaque('encrypted_sender_data');
  return new TextDecoder().decode(d.opaque('ciphertext'));
}
