// `npm run bench -- ui`: the real renderer in Debian's Chromium against real
// cores and a real DS, with a 10,000-message conversation (bob sends, alice's
// core receives and stores them all first). Reports, as medians of several runs:
// loading the page until the conversation list is shown, opening the
// conversation until its newest message is on screen, and scrolling back to
// the first message page by page, with the most message nodes seen in the DOM.
// Options: --messages N (default 10000), --runs N (default 5), --json.

import { startCore, type CoreHandle } from '../main/core/start.js';
import { buildUi, chromiumAvailable, CHROMIUM, domFigures, removeTemps, scrollToOldest, sendMany, startDs, startUser, stopUser, tempDir, TEST_CORE, type User } from '../test/e2e/harness.js';
import type { ServerProc } from '../test/server/client.js';

export const title = 'the UI in Chromium: a 10,000-message conversation (list, open, scroll back)';

function option(args: readonly string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  const v = i === -1 ? undefined : Number(args[i + 1]);
  return v !== undefined && Number.isInteger(v) && v > 0 ? v : dflt;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function run(args: readonly string[] = process.argv.slice(2)): Promise<void> {
  if (!chromiumAvailable()) {
    console.log(`skipped: Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
    return;
  }
  const n = option(args, '--messages', 10_000);
  const runs = option(args, '--runs', 5);
  const json = args.includes('--json');
  const last = `message ${n - 1}`;
  let ds: ServerProc | undefined;
  let alice: User | undefined;
  let bob: CoreHandle | undefined;
  try {
    const ui = await buildUi();
    ds = await startDs();
    alice = await startUser('alice', { ds, ui });
    bob = await startCore({ ...TEST_CORE, dataDir: tempDir('arbor-bench-bob-') });
    const a = alice.host.api;
    await a.invoke('account.create', { userId: 'alice', deviceName: 'bench', serverUrl: ds.url });
    await bob.api.invoke('account.create', { userId: 'bob', deviceName: 'bench', serverUrl: ds.url });
    const c = await bob.api.invoke('conversations.create', { title: 'Ten thousand', userIds: ['alice'] });
    for (;;) {
      const mine = (await a.invoke('conversations.list')).find((x) => x.id === c.id);
      if (mine?.status === 'invited') await a.invoke('conversations.accept', { conversationId: c.id });
      if (mine?.status === 'active') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const t0 = Date.now();
    await sendMany(bob.api, c.id, n, (i) => `message ${i}${i % 7 === 0 ? ' with a longer line of text that wraps onto a second line in a narrow window, as real messages do' : ''}`);
    for (;;) {
      const mine = await a.invoke('conversations.get', { conversationId: c.id });
      if (mine.lastMessage?.text === last) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const deliveredMs = Date.now() - t0;

    const p = alice.page;
    const listMs: number[] = [];
    const openMs: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t1 = Date.now();
      await p.goto(alice.host.origin);
      await p.getByRole('option', { name: /Ten thousand/ }).waitFor({ timeout: 120_000 });
      listMs.push(Date.now() - t1);
      const t2 = Date.now();
      await p.getByRole('option', { name: /Ten thousand/ }).click();
      await p.locator('.msg .text').filter({ hasText: new RegExp(`^${last}$`) }).waitFor({ timeout: 120_000 });
      openMs.push(Date.now() - t2);
    }
    const opened = await domFigures(p);
    let maxMessages = opened.messages;
    let maxElements = opened.elements;
    const t3 = Date.now();
    const steps = await scrollToOldest(p, 'message 0', async () => {
      const f = await domFigures(p);
      maxMessages = Math.max(maxMessages, f.messages);
      maxElements = Math.max(maxElements, f.elements);
    });
    const scrollMs = Date.now() - t3;
    const result = {
      messages: n,
      runs,
      deliveredToCoreMs: deliveredMs,
      showListMs: median(listMs),
      openConversationMs: median(openMs),
      scrollToFirstMs: scrollMs,
      scrollSteps: steps,
      maxMessageNodes: maxMessages,
      maxElements,
      chromium: await p.context().browser()?.version(),
    };
    if (json) console.log(JSON.stringify(result));
    else {
      console.log(`  ${n.toLocaleString('en')} messages sent by bob, stored by alice's core in ${(deliveredMs / 1000).toFixed(1)} s`);
      console.log(`  show the conversation list (page load)   ${result.showListMs.toFixed(0).padStart(6)} ms  (median of ${runs}: ${listMs.join(', ')})`);
      console.log(`  open the conversation (newest on screen)  ${result.openConversationMs.toFixed(0).padStart(6)} ms  (median of ${runs}: ${openMs.join(', ')})`);
      console.log(`  scroll back to the first message          ${scrollMs.toFixed(0).padStart(6)} ms  (${steps} pages)`);
      console.log(`  most message nodes in the DOM: ${maxMessages}; most elements: ${maxElements}`);
    }
  } finally {
    if (alice !== undefined) await stopUser(alice);
    await bob?.close();
    await ds?.kill();
    removeTemps();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
