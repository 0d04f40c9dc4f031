// A 10,000-message conversation in Chromium: it opens at the newest message,
// scrolls all the way back to the first one page by page, and the DOM stays
// bounded the whole way (asserted on node counts, never on time).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ServerProc } from '../server/client.js';
import { buildUi, chromiumAvailable, CHROMIUM, domFigures, removeTemps, screen, scrollToOldest, sendMany, serious, startDs, startUser, stopUser, type AxeFinding, type User } from './harness.js';
import { startCore, type CoreHandle } from '../../main/core/start.js';
import { tempDir, TEST_CORE } from './harness.js';

const N = 10_000;
const MAX_MESSAGE_NODES = 500;
const skip = chromiumAvailable() ? false : `Chromium not found at ${CHROMIUM} (.ci/run installs it with apt)`;

let ds: ServerProc;
let alice: User;
let bob: CoreHandle;
const findings: AxeFinding[] = [];

before(async () => {
  if (skip !== false) return;
  const ui = await buildUi();
  ds = await startDs();
  alice = await startUser('alice', { ds, ui, viaProxy: true });
  bob = await startCore({ ...TEST_CORE, dataDir: tempDir('arbor-bob-') });
});

after(async () => {
  if (skip !== false) return;
  await alice?.page.context().close().catch(() => {});
  if (alice !== undefined) await stopUser(alice);
  await bob?.close();
  await ds?.kill();
  removeTemps();
});

test('a 10,000-message conversation opens and scrolls to its first message with under 500 message nodes in the DOM', { skip, timeout: 600_000 }, async () => {
  const api = alice.host.api;
  await bob.api.invoke('account.create', { userId: 'bob', deviceName: 'bob-core', serverUrl: ds.url });
  await api.invoke('account.create', { userId: 'alice', deviceName: 'alice-web', serverUrl: alice.serverUrl });
  const c = await api.invoke('conversations.create', { title: 'Ten thousand', userIds: ['bob'] });
  // Offline from here: the messages stay pending in alice's database (the outbox keeps them), which is all the list needs.
  await alice.proxy!.cut();
  await sendMany(api, c.id, N, (i) => `message ${i}${i % 7 === 0 ? ' with a longer line of text that wraps onto a second line in a narrow window, as real messages do' : ''}`);

  const p = alice.page;
  await p.reload();
  await p.getByRole('option', { name: /Ten thousand/ }).click();
  await p.locator('.msg').filter({ hasText: `message ${N - 1}` }).waitFor({ timeout: 60_000 });
  let f = await domFigures(p);
  assert.ok(f.messages > 5 && f.messages < MAX_MESSAGE_NODES, JSON.stringify(f));
  await screen(p, 'large-conversation', findings);

  let maxMessages = f.messages;
  let maxElements = f.elements;
  const steps = await scrollToOldest(p, 'message 0', async () => {
    const g = await domFigures(p);
    maxMessages = Math.max(maxMessages, g.messages);
    maxElements = Math.max(maxElements, g.elements);
    assert.ok(g.messages < MAX_MESSAGE_NODES, JSON.stringify(g));
  });
  f = await domFigures(p);
  assert.ok(f.totalRows >= N, `all ${N} messages are known to the list: ${JSON.stringify(f)}`);
  assert.ok(steps > 10, `older history came in pages (${steps} scroll steps)`);
  assert.ok(f.messages < MAX_MESSAGE_NODES, JSON.stringify(f));

  // The middle, then back to the newest with "Jump to latest".
  await p.evaluate(() => {
    const s = document.querySelector('.scroller')!;
    s.scrollTop = s.scrollHeight / 2;
  });
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  f = await domFigures(p);
  assert.ok(f.messages > 5 && f.messages < MAX_MESSAGE_NODES, JSON.stringify(f));
  await p.getByRole('button', { name: /Jump to latest/ }).click();
  await p.locator('.msg').filter({ hasText: `message ${N - 1}` }).waitFor({ timeout: 60_000 });
  f = await domFigures(p);
  assert.ok(f.messages < MAX_MESSAGE_NODES, JSON.stringify(f));
  console.log(`10,000 messages: at most ${maxMessages} message nodes and ${maxElements} elements in the DOM over ${steps} scroll steps`);
  assert.deepEqual(serious(findings), []);
  assert.deepEqual(alice.consoleErrors.filter((e) => /CSP violation|pageerror/.test(e)), []);
});
