// `npm run demo`: the messenger without a window. Starts a delivery service on
// a free loopback port and three cores (alice, bob, carol) in temporary data
// directories, and tells a small story through the API contract alone: a group,
// messages, carol offline while the others talk and bob renames the group, carol
// back, bob removed. Prints a transcript with each message's final state and
// the three safety codes. Needs nothing but Node (no Electron).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArborApi, Message } from '../main/contract/index.js';
import { startCore, type CoreHandle } from '../main/core/start.js';

const ROOT = new URL('../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'arbor-demo-'));
const quick = { reconnectBaseMs: 100, reconnectCapMs: 1000, receiptDelayMs: 50, quiet: true };

function say(line: string): void {
  console.log(line);
}

async function until(what: string, pred: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`demo: gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

function startServer(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--port', '0', '--db', join(work, 'server.db'), '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on (ws:\/\/\S+)/.exec(out);
      if (m !== null) resolve({ proc, url: m[1]! });
    });
    proc.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
}

class Person {
  core!: CoreHandle;
  constructor(readonly name: string, readonly dir = join(work, name)) {}
  get api(): ArborApi {
    return this.core.api;
  }
  async start(): Promise<this> {
    this.core = await startCore({ dataDir: this.dir, ...quick });
    return this;
  }
  async online(): Promise<void> {
    await until(`${this.name} online`, async () => (await this.api.invoke('connection.status')).state === 'online');
  }
  async texts(id: string): Promise<readonly Message[]> {
    return (await this.api.invoke('messages.list', { conversationId: id, limit: 500 })).messages;
  }
  async has(id: string, text: string): Promise<void> {
    await until(`${this.name} to read “${text}”`, async () => (await this.texts(id)).some((m) => m.text === text));
  }
  async send(id: string, text: string): Promise<void> {
    say(`  ${this.name}: ${text}`);
    await this.api.invoke('messages.send', { conversationId: id, text });
  }
}

async function main(): Promise<void> {
  const server = await startServer();
  say(`Delivery service on ${server.url}; data in ${work}\n`);
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => new Person(n).start()));
  const people = [alice!, bob!, carol!];
  try {
    for (const p of people) {
      const a = await p.api.invoke('account.create', { userId: p.name, deviceName: `${p.name}'s laptop`, serverUrl: server.url });
      await p.online();
      say(`${p.name} registered as ${a.userId}/${a.deviceId}`);
    }
    const c = await alice!.api.invoke('conversations.create', { title: 'Weekend', userIds: ['bob', 'carol'] });
    const id = c.id;
    say(`\nalice creates “Weekend” with bob and carol`);
    for (const p of [bob!, carol!]) {
      await until(`${p.name}'s invitation`, async () => (await p.api.invoke('conversations.list')).some((x) => x.id === id));
      const inv = await p.api.invoke('conversations.get', { conversationId: id });
      say(`${p.name} sees an invitation from ${inv.invitedBy} and accepts`);
      await p.api.invoke('conversations.accept', { conversationId: id });
      await until(`${p.name} to join`, async () => (await p.api.invoke('conversations.get', { conversationId: id })).status === 'active');
    }
    say('');
    await alice!.send(id, 'Hi both! Cabin this weekend?');
    await bob!.has(id, 'Hi both! Cabin this weekend?');
    await bob!.send(id, "I'm in.");
    await carol!.has(id, "I'm in.");
    await carol!.send(id, 'Me too, I can drive.');
    await alice!.has(id, 'Me too, I can drive.');

    say('\ncarol goes offline');
    await carol!.core.close();
    await alice!.send(id, 'Carol, we leave at 9.');
    await bob!.api.invoke('conversations.rename', { conversationId: id, title: 'Cabin weekend' });
    say('  (bob renames the group to “Cabin weekend”)');
    await until('the rename', async () => (await alice!.api.invoke('conversations.get', { conversationId: id })).title === 'Cabin weekend');
    await bob!.send(id, 'Renamed it so we find it.');
    await alice!.has(id, 'Renamed it so we find it.');

    say('\ncarol comes back');
    await carol!.start();
    await carol!.has(id, 'Renamed it so we find it.');
    await until('carol to see the new title', async () => (await carol!.api.invoke('conversations.get', { conversationId: id })).title === 'Cabin weekend');
    await carol!.send(id, 'Caught up. 9 is fine.');
    await alice!.has(id, 'Caught up. 9 is fine.');

    say('\nalice removes bob');
    await alice!.api.invoke('conversations.removeMember', { conversationId: id, userId: 'bob' });
    await until('bob to be removed', async () => (await bob!.api.invoke('conversations.get', { conversationId: id })).status === 'removed');
    await until('carol to see two members', async () => (await carol!.api.invoke('conversations.members', { conversationId: id })).length === 2);
    await alice!.send(id, 'Just us two now.');
    await carol!.has(id, 'Just us two now.');
    // Let the last delivery receipts arrive.
    await until('delivery receipts', async () => (await alice!.texts(id)).filter((m) => m.isOwn && m.kind === 'text').every((m) => m.status === 'delivered'), 10_000).catch(() => {});

    for (const p of people) {
      const conv = await p.api.invoke('conversations.get', { conversationId: id });
      say(`\n— ${p.name}'s screen: “${conv.title}” (${conv.status}${conv.canSend ? '' : `: ${conv.cannotSendReason}`}) —`);
      for (const m of await p.texts(id)) {
        if (m.kind === 'system') say(`    · ${m.text}`);
        else say(`  ${m.isOwn ? 'me' : m.sender!.userId}: ${m.text}${m.isOwn ? `   [${m.status}${m.delivered !== null ? ` ${m.delivered.count}/${m.delivered.of}` : ''}]` : ''}`);
      }
    }
    say('\nSafety codes (compare aloud):');
    for (const p of people) {
      const s = await p.api.invoke('conversations.safetyCode', { conversationId: id });
      say(`  ${p.name.padEnd(6)} ${s === null ? '(no longer a member)' : `${s.code}   epoch ${s.epoch}`}`);
    }
  } finally {
    await Promise.all(people.map((p) => p.core.close().catch(() => {})));
    server.proc.kill('SIGTERM');
    await new Promise((r) => server.proc.once('exit', r));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
