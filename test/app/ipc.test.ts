// The contract over Electron IPC: the main-side binding (one ipcMain.handle
// per command, generated from the contract's table) and the bundled preload.
// Every command with a wrong argument type, an unknown command, a foreign
// sender frame: refused with a typed error, nothing reaches the core, nothing
// throws. The last tests run the preload's window.arbor through the binding
// to a real core.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import vm from 'node:vm';
import { buildPreload } from '../../main/app/build.js';
import { bindContract, forwardEvents, type InvokeEventLike, type IpcMainLike } from '../../main/app/ipc.js';
import { commandChannel, COMMAND_CHANNEL_PREFIX, EVENT_CHANNEL } from '../../main/app/ipc-channels.js';
import { isTrustedFrame } from '../../main/app/sender.js';
import { COMMAND_NAMES, commands, EVENT_NAMES, type ArborApi, type CommandName, type Reply } from '../../main/contract/index.js';
import { startCore, type CoreHandle } from '../../main/core/start.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

type Handler = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;
function fakeIpcMain(): IpcMainLike & { handlers: Map<string, Handler> } {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    handle(channel, listener) {
      assert.ok(!handlers.has(channel), `one handler per channel: ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler(channel) {
      handlers.delete(channel);
    },
  };
}

/** An api that records what reaches it; the refusal tests assert it is never reached. */
function sentinel(): ArborApi & { reached: string[] } {
  const reached: string[] = [];
  return {
    reached,
    invoke(command: string) {
      reached.push(command);
      return Promise.resolve(null);
    },
    on: () => () => {},
  } as unknown as ArborApi & { reached: string[] };
}

const APP_FRAME = { url: 'app://arbor/index.html', parent: null };
const trusted: InvokeEventLike = { senderFrame: APP_FRAME, sender: { id: 1 } };
const allow = (e: InvokeEventLike): boolean => e.sender?.id === 1 && isTrustedFrame(e.senderFrame);

/** A wrong-typed argument for each command (a number where an object or nothing is expected). */
function wrongArgs(name: CommandName): unknown[] {
  const noArg = (() => {
    try {
      commands[name].parse(undefined, name);
      return true;
    } catch {
      return false;
    }
  })();
  return noArg ? [42, 'x', [1], { unexpected: 1 }] : [42, 'x', [1], null, undefined, true, { unexpected: 1 }, Object.create({ polluted: 1 }) as unknown];
}

test('one handler per contract command, on its own channel, and nothing else', () => {
  const ipc = fakeIpcMain();
  const off = bindContract(ipc, sentinel(), { isAllowed: allow });
  assert.deepEqual([...ipc.handlers.keys()].sort(), COMMAND_NAMES.map((n) => commandChannel(n)).sort());
  for (const ch of ipc.handlers.keys()) assert.ok(ch.startsWith(COMMAND_CHANNEL_PREFIX));
  off();
  assert.equal(ipc.handlers.size, 0);
});

test('every command with a wrong argument type is refused as bad_argument, before the core', async () => {
  const ipc = fakeIpcMain();
  const api = sentinel();
  bindContract(ipc, api, { isAllowed: allow });
  let checked = 0;
  for (const name of COMMAND_NAMES) {
    for (const arg of wrongArgs(name)) {
      const r = (await ipc.handlers.get(commandChannel(name))!(trusted, arg)) as Reply;
      assert.equal(r.ok, false, `${name}(${JSON.stringify(arg)})`);
      if (!r.ok) {
        assert.equal(r.error.code, 'bad_argument', `${name}(${JSON.stringify(arg)}): ${r.error.message}`);
        assert.ok(r.error.message.startsWith(name), r.error.message);
      }
      checked++;
    }
    // Two arguments where the contract has one.
    const r2 = (await ipc.handlers.get(commandChannel(name))!(trusted, undefined, 'extra')) as Reply;
    assert.equal(r2.ok, false);
  }
  assert.ok(checked > COMMAND_NAMES.length * 4);
  assert.deepEqual(api.reached, []);
});

test('a foreign sender frame, a subframe, another window or a destroyed frame is refused as forbidden', async () => {
  const ipc = fakeIpcMain();
  const api = sentinel();
  const refused: string[] = [];
  bindContract(ipc, api, { isAllowed: allow, onRefused: (c, code) => refused.push(`${c}:${code}`) });
  const foreign: InvokeEventLike[] = [
    { senderFrame: { url: 'https://evil.example/', parent: null }, sender: { id: 1 } },
    { senderFrame: { url: 'app://arbor/index.html', parent: APP_FRAME }, sender: { id: 1 } },
    { senderFrame: { url: 'file:///index.html', parent: null }, sender: { id: 1 } },
    { senderFrame: APP_FRAME, sender: { id: 2 } },
    { senderFrame: null, sender: { id: 1 } },
  ];
  for (const name of COMMAND_NAMES) {
    for (const event of foreign) {
      const r = (await ipc.handlers.get(commandChannel(name))!(event, undefined)) as Reply;
      assert.deepEqual(r.ok, false);
      if (!r.ok) assert.equal(r.error.code, 'forbidden', name);
    }
  }
  assert.deepEqual(api.reached, []);
  assert.equal(refused.length, COMMAND_NAMES.length * foreign.length);
  // A sender check that throws is a refusal too, not a crash.
  const ipc2 = fakeIpcMain();
  bindContract(ipc2, api, {
    isAllowed: () => {
      throw new Error('boom');
    },
  });
  const r = (await ipc2.handlers.get(commandChannel('account.get'))!(trusted)) as Reply;
  assert.equal(r.ok, false);
  assert.deepEqual(api.reached, []);
});

test('a core failure becomes a typed error reply, never a rejection', async () => {
  const ipc = fakeIpcMain();
  const failing = {
    invoke: () => Promise.reject(new TypeError('exploded')),
    on: () => () => {},
  } as unknown as ArborApi;
  bindContract(ipc, failing, { isAllowed: allow });
  const r = (await ipc.handlers.get(commandChannel('settings.get'))!(trusted)) as Reply;
  assert.deepEqual(r, { ok: false, error: { code: 'internal', message: 'TypeError: exploded' } });
});

test('events are forwarded as (channel, name, payload) for every contract event', () => {
  const listeners = new Map<string, (p: unknown) => void>();
  const api = { invoke: () => Promise.resolve(null), on: (e: string, l: (p: unknown) => void) => (listeners.set(e, l), () => listeners.delete(e)) } as unknown as ArborApi;
  const sent: unknown[][] = [];
  const off = forwardEvents(api, (...a) => {
    sent.push(a);
    if (a[1] === 'members.changed') throw new Error('window gone');
  });
  assert.deepEqual([...listeners.keys()].sort(), [...EVENT_NAMES].sort());
  for (const e of EVENT_NAMES) listeners.get(e)!({ x: e });
  assert.deepEqual(sent, EVENT_NAMES.map((e) => [EVENT_CHANNEL, e, { x: e }]));
  off();
  assert.equal(listeners.size, 0);
});

// ---------------------------------------------------------------- the bundled preload

interface Exposed {
  key: string;
  api: { invoke(c: unknown, a?: unknown): Promise<unknown>; on(e: unknown, l: unknown): () => void };
}
let preloadCode = '';

before(async () => {
  const out = join(tmp('arbor-preload-'), 'preload.cjs');
  await buildPreload(out);
  preloadCode = readFileSync(out, 'utf8');
});

/** Runs the bundle as Electron's sandboxed preload would: a CommonJS module whose require knows only 'electron'. */
function runPreload(ipcRenderer: unknown): { exposed: Exposed[]; required: string[] } {
  const exposed: Exposed[] = [];
  const required: string[] = [];
  const electron = { contextBridge: { exposeInMainWorld: (key: string, api: Exposed['api']) => exposed.push({ key, api }) }, ipcRenderer };
  const module = { exports: {} };
  const req = (name: string): unknown => {
    required.push(name);
    if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
    return electron;
  };
  vm.runInNewContext(preloadCode, { require: req, module, exports: module.exports, queueMicrotask, console });
  return { exposed, required };
}

test('the preload is ONE CommonJS file that requires only electron', () => {
  const requires = [...preloadCode.matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(requires)], ['electron']);
  assert.doesNotMatch(preloadCode, /\bimport\s*\(|^\s*import\s|from\s+["']node:/m);
  const { required } = runPreload({ invoke: () => Promise.resolve(null), on: () => {} });
  assert.deepEqual(required, ['electron']);
});

test('window.arbor is exactly { invoke, on }, frozen', () => {
  const { exposed } = runPreload({ invoke: () => Promise.resolve(null), on: () => {} });
  assert.equal(exposed.length, 1);
  assert.equal(exposed[0]!.key, 'arbor');
  assert.deepEqual(Object.keys(exposed[0]!.api).sort(), ['invoke', 'on']);
  assert.ok(Object.isFrozen(exposed[0]!.api));
});

test('invoke: each command on its own channel; unknown commands and events refused without IPC; error replies keep their code', async () => {
  const calls: unknown[][] = [];
  const replies: Record<string, unknown> = {
    [commandChannel('settings.get')]: { ok: true, result: { theme: 'dark', notifications: true } },
    [commandChannel('account.create')]: { ok: false, error: { code: 'user_exists', message: 'alice is taken' } },
    [commandChannel('account.get')]: { ok: false, error: { code: 'no_such_code', message: 7 } },
  };
  const { exposed } = runPreload({
    invoke: (channel: string, ...args: unknown[]) => {
      calls.push([channel, ...args]);
      if (channel === commandChannel('connection.status')) return Promise.reject(new Error("No handler registered for 'x'"));
      return Promise.resolve(replies[channel]);
    },
    on: () => {},
  });
  const arbor = exposed[0]!.api;
  assert.deepEqual(await arbor.invoke('settings.get'), { theme: 'dark', notifications: true });
  assert.deepEqual(calls, [[commandChannel('settings.get'), undefined]]);
  await assert.rejects(arbor.invoke('account.create', { userId: 'alice', deviceName: 'd', serverUrl: 'ws://h' }), { name: 'ContractError', code: 'user_exists', message: 'alice is taken' });
  await assert.rejects(arbor.invoke('account.get'), { code: 'internal' });
  await assert.rejects(arbor.invoke('connection.status'), { code: 'unavailable' });
  calls.length = 0;
  for (const bad of ['shell.openExternal', 'constructor', '__proto__', 'toString', '', 42, null, { toString: () => 'settings.get' }]) {
    await assert.rejects(arbor.invoke(bad), { code: 'unknown_command' }, String(bad));
  }
  assert.deepEqual(calls, [], 'no IPC for an unknown command');
  assert.throws(() => arbor.on('not.an.event', () => {}), { code: 'unknown_command' });
  assert.throws(() => arbor.on('message.added', 'not a function'), { code: 'bad_argument' });
});

test('on: the page gets the payload alone, never the IPC event or ipcRenderer; unsubscribe works', () => {
  let ipcListener: ((event: unknown, ...args: unknown[]) => void) | undefined;
  const ipcRenderer = {
    invoke: () => Promise.resolve(null),
    on: (channel: string, l: (event: unknown, ...args: unknown[]) => void) => {
      assert.equal(channel, EVENT_CHANNEL);
      assert.equal(ipcListener, undefined, 'one IPC listener for all events');
      ipcListener = l;
      return ipcRenderer;
    },
  };
  const arbor = runPreload(ipcRenderer).exposed[0]!.api;
  const got: unknown[][] = [];
  const off = arbor.on('message.added', (...args: unknown[]) => got.push(args));
  const off2 = arbor.on('connection.changed', (...args: unknown[]) => got.push(['conn', ...args]));
  const ipcEvent = { sender: ipcRenderer, senderFrame: {}, ports: [] };
  ipcListener!(ipcEvent, 'message.added', { id: '1' });
  ipcListener!(ipcEvent, 'connection.changed', { state: 'online' });
  ipcListener!(ipcEvent, 'not.an.event', { x: 1 });
  ipcListener!(ipcEvent, 42, { x: 1 });
  assert.deepEqual(got, [[{ id: '1' }], ['conn', { state: 'online' }]]);
  for (const args of got) for (const a of args) assert.notEqual(a, ipcEvent);
  off();
  ipcListener!(ipcEvent, 'message.added', { id: '2' });
  assert.equal(got.length, 2);
  off2();
});

// ---------------------------------------------------------------- preload → binding → a real core

let core: CoreHandle | undefined;
after(async () => core?.close());

test('window.arbor through the IPC binding to a real core: calls answer, refusals are typed', async () => {
  core = await startCore({ dataDir: tmp('arbor-ipc-core-'), quiet: true });
  const ipc = fakeIpcMain();
  bindContract(ipc, core.api, { isAllowed: allow });
  let asEvent: InvokeEventLike = trusted;
  const arbor = runPreload({
    invoke: (channel: string, ...args: unknown[]) => {
      const h = ipc.handlers.get(channel);
      return h === undefined ? Promise.reject(new Error(`No handler registered for '${channel}'`)) : h(asEvent, ...args);
    },
    on: () => {},
  }).exposed[0]!.api;
  assert.equal(await arbor.invoke('account.get'), null);
  const s = (await arbor.invoke('settings.get')) as { theme: string };
  assert.ok(['light', 'dark', 'system'].includes(s.theme));
  await assert.rejects(arbor.invoke('conversations.list'), { code: 'no_account' });
  await assert.rejects(arbor.invoke('messages.send', { conversationId: 'zz', text: 'x' }), { code: 'bad_argument' });
  await assert.rejects(arbor.invoke('account.create', { userId: 'alice', deviceName: 'laptop', serverUrl: 'http://nope' }), { code: 'bad_argument' });
  asEvent = { senderFrame: { url: 'https://evil.example/', parent: null }, sender: { id: 1 } };
  await assert.rejects(arbor.invoke('account.get'), { code: 'forbidden' });
});
