// Test helpers for the messenger core: a real delivery service (a child
// process on a free loopback port), cores in worker threads on temporary data
// directories, and waiting for what a user would wait for.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArborApi, Conversation, Message } from '../../main/contract/index.js';
import { startCore, type CoreHandle, type StartCoreOptions } from '../../main/core/start.js';
import { startServer, type ServerProc } from '../server/client.js';

export const FAST = { reconnectBaseMs: 50, reconnectCapMs: 500, retryBaseMs: 50, retryCapMs: 500, receiptDelayMs: 20, keyPackageTarget: 30, keyPackageLow: 10, quiet: process.env.ARBOR_TEST_LOG === undefined } as const;

export interface Ds {
  readonly server: ServerProc;
  readonly url: string;
  readonly dir: string;
  stop(): Promise<void>;
}

export async function startDs(args: readonly string[] = []): Promise<Ds> {
  const dir = mkdtempSync(join(tmpdir(), 'arbor-core-ds-'));
  const server = await startServer(join(dir, 'ds.db'), ['--quiet', ...args]);
  return {
    server,
    url: server.url,
    dir,
    stop: async () => {
      await server.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Device {
  readonly name: string;
  readonly dataDir: string;
  core: CoreHandle;
  readonly api: ArborApi;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A core on its own data directory; `api` keeps working across restart(). */
export async function startDevice(name: string, opts: Partial<StartCoreOptions> = {}, dataDir = mkdtempSync(join(tmpdir(), `arbor-core-${name}-`))): Promise<Device> {
  let core = await startCore({ dataDir, ...FAST, ...opts });
  const listeners: { event: string; fn: (p: never) => void; off: () => void }[] = [];
  const api: ArborApi = {
    invoke: ((cmd: never, ...args: never[]) => (core.api.invoke as (c: never, ...a: never[]) => Promise<unknown>)(cmd, ...args)) as ArborApi['invoke'],
    on: ((event: never, fn: (p: never) => void) => {
      const rec = { event, fn, off: core.api.on(event, fn) };
      listeners.push(rec);
      return () => {
        rec.off();
        listeners.splice(listeners.indexOf(rec), 1);
      };
    }) as ArborApi['on'],
  };
  const dev: Device = {
    name,
    dataDir,
    core,
    api,
    async restart() {
      await core.close();
      core = await startCore({ dataDir, ...FAST, ...opts });
      dev.core = core;
      for (const l of listeners) l.off = core.api.on(l.event as never, l.fn);
    },
    async close() {
      await core.close();
    },
  };
  return dev;
}

export async function withAccount(d: Device, ds: Ds, userId = d.name): Promise<Device> {
  await d.api.invoke('account.create', { userId, deviceName: `${d.name}'s laptop`, serverUrl: ds.url });
  await waitUntil(async () => (await d.api.invoke('connection.status')).state === 'online', `${d.name} online`);
  return d;
}

export async function waitUntil(pred: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function conversations(d: Device): Promise<Conversation[]> {
  return d.api.invoke('conversations.list');
}

export async function conversationNamed(d: Device, title: string, timeoutMs = 30_000): Promise<Conversation> {
  let found: Conversation | undefined;
  await waitUntil(async () => (found = (await conversations(d)).find((c) => c.title === title)) !== undefined, `${d.name} sees “${title}”`, timeoutMs);
  return found!;
}

export async function allMessages(d: Device, conversationId: string): Promise<Message[]> {
  const out: Message[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await d.api.invoke('messages.list', { conversationId, limit: 500, ...(before !== undefined ? { before } : {}) });
    out.unshift(...page.messages);
    if (!page.hasMore || page.messages.length === 0) return out;
    before = page.messages[0]!.id;
  }
}

export async function texts(d: Device, conversationId: string): Promise<string[]> {
  return (await allMessages(d, conversationId)).filter((m) => m.kind === 'text').map((m) => m.text);
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
