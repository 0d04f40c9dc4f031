// End to end, in Debian's Chromium: three users, three real cores (each behind
// its own web host), one real delivery service. Bob's core reaches the DS
// through a TCP proxy, so his connection can really drop. Every screen is
// saved in light and dark under test-output/screenshots/ and checked with
// axe-core (no serious or critical violation).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { ServerProc } from '../server/client.js';
import { buildUi, chromiumAvailable, CHROMIUM, failureShots, removeTemps, screen, serious, startDs, startUser, stopUser, writeReport, type AxeFinding, type User } from './harness.js';

const LONG = 60_000;
const skip = chromiumAvailable() ? false : `Chromium not found at ${CHROMIUM} (.ci/run installs it with apt)`;

let ds: ServerProc;
let ui: string;
let alice: User;
let bob: User;
let carol: User;
const findings: AxeFinding[] = [];
const GROUP = 'Weekend trip';
const RENAMED = 'Weekend trip to the coast';

before(async () => {
  if (skip !== false) return;
  ui = await buildUi();
  ds = await startDs();
  [alice, bob, carol] = await Promise.all([startUser('alice', { ds, ui }), startUser('bob', { ds, ui, viaProxy: true }), startUser('carol', { ds, ui })]);
});

after(async () => {
  if (skip !== false) return;
  writeReport('axe-messenger.json', findings);
  await Promise.all([alice, bob, carol].filter((u) => u !== undefined).map((u) => stopUser(u)));
  await ds?.kill();
  removeTemps();
});

// ---------------------------------------------------------------- helpers

/** A step of the story; on failure, every window is saved under test-output/failures/ before the error is rethrown. */
function story(name: string, opts: { timeout?: number }, fn: () => Promise<void>): void {
  test(name, { skip, timeout: opts.timeout ?? 180_000 }, async () => {
    try {
      await fn();
    } catch (e) {
      await failureShots(name, [alice, bob, carol]);
      throw e;
    }
  });
}

async function onboard(u: User, userId: string, serverUrl = u.serverUrl): Promise<void> {
  const p = u.page;
  await p.locator('#ob-userId').fill(userId);
  await p.locator('#ob-deviceName').fill(`${u.name}'s laptop`);
  await p.locator('#ob-serverUrl').fill(serverUrl);
  await p.getByRole('button', { name: 'Create account' }).click();
}

function option(p: Page, title: string | RegExp) {
  return p.getByRole('listbox', { name: 'Conversations' }).getByRole('option', { name: title });
}

async function open(p: Page, title: string | RegExp): Promise<void> {
  await option(p, title).click();
  await p.locator('#conversation-title').filter({ hasText: title }).waitFor({ timeout: LONG });
}

async function send(p: Page, text: string): Promise<void> {
  await p.locator('#composer-input').fill(text);
  await p.locator('#composer-input').press('Enter');
}

function ownMessage(p: Page, text: string) {
  return p.locator('.msg.own').filter({ hasText: text });
}

async function statusOf(p: Page, text: string, status: string): Promise<void> {
  await ownMessage(p, text).and(p.locator(`[data-status="${status}"]`)).waitFor({ timeout: LONG });
}

async function sees(p: Page, text: string): Promise<void> {
  await p.locator('.msg').filter({ hasText: text }).first().waitFor({ timeout: LONG });
}

async function infoPanel(p: Page, openIt: boolean): Promise<void> {
  const btn = p.getByRole('button', { name: 'Conversation info', exact: true });
  if ((await btn.getAttribute('aria-expanded')) !== String(openIt)) await btn.click();
  if (openIt) await p.locator('#group-info').waitFor();
}

// ---------------------------------------------------------------- the story

story('onboarding: inline validation and the server\'s refusals in words, then three accounts', { timeout: 180_000 }, async () => {
  const p = carol.page;
  await p.locator('#ob-userId').waitFor();
  await screen(p, 'onboarding', findings);

  // Inline validation, before anything is sent.
  await p.locator('#ob-userId').fill('carol smith');
  await p.locator('#ob-serverUrl').fill('http://example.org');
  await p.getByRole('button', { name: 'Create account' }).click();
  await p.getByText('Only letters, digits and . _ @ - (no spaces).').waitFor();
  await p.getByText('The address starts with ws:// or wss://.').waitFor();

  await onboard(alice, 'alice');
  await alice.page.getByRole('heading', { name: 'Chats' }).waitFor({ timeout: LONG });

  // An unreachable server, in words.
  await onboard(carol, 'carol', 'ws://127.0.0.1:9');
  await p.getByText('Could not reach the server at ws://127.0.0.1:9').waitFor({ timeout: LONG });
  // A taken user id, in words.
  await onboard(carol, 'alice');
  await p.getByText('The user id “alice” is already taken on this server. Choose another one.').waitFor({ timeout: LONG });
  assert.equal(await p.locator('#ob-userId').getAttribute('aria-invalid'), 'true');
  await screen(p, 'onboarding-refused', findings);

  await onboard(carol, 'carol');
  await onboard(bob, 'bob');
  for (const u of [bob, carol]) await u.page.getByRole('heading', { name: 'Chats' }).waitFor({ timeout: LONG });
  await screen(alice.page, 'empty', findings);
});

story('alice creates a group with bob and carol (Ctrl+N); they accept the invitation', { timeout: 180_000 }, async () => {
  const p = alice.page;
  await p.keyboard.press('Control+n');
  await p.getByRole('dialog', { name: 'New conversation' }).waitFor();
  await p.locator('#nc-title').fill(GROUP);
  await p.locator('#nc-people').fill('bob, carol');
  await screen(p, 'new-conversation', findings);
  await p.getByRole('button', { name: 'Create' }).click();
  await p.locator('#conversation-title').filter({ hasText: GROUP }).waitFor({ timeout: LONG });

  for (const u of [bob, carol]) {
    await option(u.page, new RegExp(GROUP)).waitFor({ timeout: LONG });
    await open(u.page, GROUP);
    await u.page.getByRole('region', { name: 'Invitation' }).waitFor({ timeout: LONG });
  }
  await screen(bob.page, 'invitation', findings);
  for (const u of [bob, carol]) {
    await u.page.getByRole('button', { name: 'Accept' }).click();
    await u.page.locator('#composer-input:not([disabled])').waitFor({ timeout: LONG });
  }
});

story('messages both ways reach delivered', { timeout: 180_000 }, async () => {
  await send(alice.page, 'Hello both! Train at 9?');
  await statusOf(alice.page, 'Hello both! Train at 9?', 'delivered');
  for (const u of [bob, carol]) await sees(u.page, 'Hello both! Train at 9?');
  await send(bob.page, 'Works for me.');
  await send(carol.page, 'Me too, see you there');
  await statusOf(bob.page, 'Works for me.', 'delivered');
  await statusOf(carol.page, 'Me too, see you there', 'delivered');
  for (const u of [alice, carol]) await sees(u.page, 'Works for me.');
  for (const u of [alice, bob]) await sees(u.page, 'Me too, see you there');
  // Shift+Enter starts a new line; Enter sends both lines as one message.
  const input = alice.page.locator('#composer-input');
  await input.click();
  await alice.page.keyboard.type('Bring:');
  await alice.page.keyboard.press('Shift+Enter');
  await alice.page.keyboard.type('sunscreen');
  assert.equal(await input.inputValue(), 'Bring:\nsunscreen');
  await alice.page.keyboard.press('Enter');
  await bob.page.locator('.msg .text').filter({ hasText: /^Bring:\nsunscreen$/ }).waitFor({ timeout: LONG });
  await screen(alice.page, 'conversation', findings);
});

story('bob\'s connection drops: banner, a pending message, "Retry now", then sent and delivered at the others', { timeout: 180_000 }, async () => {
  const p = bob.page;
  await bob.proxy!.cut();
  const banner = p.getByRole('status').filter({ hasText: /Offline|Connecting/ });
  await banner.waitFor({ timeout: LONG });
  await send(p, 'Writing from the tunnel');
  await statusOf(p, 'Writing from the tunnel', 'pending');
  await p.getByText('Offline.').waitFor({ timeout: LONG });
  await screen(p, 'offline', findings);
  await bob.proxy!.restore();
  const retry = p.getByRole('button', { name: 'Retry now' });
  if (await retry.isEnabled().catch(() => false)) await retry.click().catch(() => {});
  await p.locator('.banner[hidden]').waitFor({ state: 'attached', timeout: LONG });
  await statusOf(p, 'Writing from the tunnel', 'delivered');
  for (const u of [alice, carol]) await sees(u.page, 'Writing from the tunnel');
});

story('bob renames the group and everyone sees it; the three safety codes are equal on screen', { timeout: 180_000 }, async () => {
  const p = bob.page;
  await infoPanel(p, true);
  await p.locator('#info-title-input').fill(RENAMED);
  await p.getByRole('button', { name: 'Rename' }).click();
  for (const u of [alice, bob, carol]) {
    await u.page.locator('#conversation-title').filter({ hasText: RENAMED }).waitFor({ timeout: LONG });
    await option(u.page, new RegExp(RENAMED)).waitFor({ timeout: LONG });
    await sees(u.page, 'Works for me.');
  }
  await alice.page.locator('.system').filter({ hasText: `bob renamed the conversation to “${RENAMED}”` }).waitFor({ timeout: LONG });

  const codes: string[] = [];
  for (const u of [alice, bob, carol]) {
    await infoPanel(u.page, true);
    const code = u.page.getByTestId('safety-code');
    await code.waitFor({ timeout: LONG });
    codes.push((await code.getAttribute('data-code')) ?? '');
  }
  // The panel reloads on member changes: read again until all three agree on one epoch.
  assert.ok(codes[0]!.length >= 20, codes[0]);
  assert.deepEqual(codes, [codes[0], codes[0], codes[0]]);
  await bob.page.locator('[data-member="carol"]').waitFor();
  await screen(bob.page, 'group-info', findings);
  // Mute from the panel: the list shows the mark, and it goes away again.
  await bob.page.getByRole('checkbox', { name: 'Mute notifications' }).check();
  await option(bob.page, new RegExp(RENAMED)).getByText('Muted').waitFor({ timeout: LONG });
  await bob.page.getByRole('checkbox', { name: 'Mute notifications' }).uncheck();
  await option(bob.page, new RegExp(RENAMED)).getByText('Muted').waitFor({ state: 'detached', timeout: LONG });
  for (const u of [alice, bob, carol]) await infoPanel(u.page, false);
});

story('unread badges count and clear; Alt+Up/Down moves between conversations', { timeout: 180_000 }, async () => {
  // A second conversation for bob to look at while the group gets messages.
  const p = alice.page;
  await p.getByRole('button', { name: 'New conversation' }).click();
  await p.locator('#nc-title').fill('Just us');
  await p.locator('#nc-people').fill('bob');
  await p.getByRole('button', { name: 'Create' }).click();
  await p.locator('#conversation-title').filter({ hasText: 'Just us' }).waitFor({ timeout: LONG });
  await open(bob.page, 'Just us');
  // The core may accept an invitation from someone bob already talks with; otherwise bob accepts.
  const accept = bob.page.getByRole('button', { name: 'Accept' });
  const ready = bob.page.locator('#composer-input:not([disabled])');
  await accept.or(ready).first().waitFor({ timeout: LONG });
  if (await accept.isVisible()) await accept.click();
  await ready.waitFor({ timeout: LONG });

  await open(alice.page, RENAMED);
  await send(alice.page, 'Unread one');
  await send(carol.page, 'Unread two');
  const badge = option(bob.page, new RegExp(RENAMED)).getByTestId('unread-badge');
  await badge.filter({ hasText: '2' }).waitFor({ timeout: LONG });
  await screen(bob.page, 'unread', findings);

  // Alt+Up/Down go through the list as shown (newest activity first): the group is above "Just us" now.
  await bob.page.locator('#composer-input').focus();
  await bob.page.keyboard.press('Alt+ArrowUp');
  await bob.page.locator('#conversation-title').filter({ hasText: RENAMED }).waitFor({ timeout: LONG });
  await badge.waitFor({ state: 'detached', timeout: LONG });
  await bob.page.keyboard.press('Alt+ArrowDown');
  await bob.page.locator('#conversation-title').filter({ hasText: 'Just us' }).waitFor({ timeout: LONG });
  await bob.page.keyboard.press('Alt+ArrowUp');
  await bob.page.locator('#conversation-title').filter({ hasText: RENAMED }).waitFor({ timeout: LONG });
});

story('a message can be sent with the keyboard alone (Ctrl+K, type, Enter, type, Enter)', { timeout: 120_000 }, async () => {
  const p = carol.page;
  await p.locator('body').click({ position: { x: 700, y: 5 } }).catch(() => {});
  await p.keyboard.press('Control+k');
  await p.getByRole('dialog', { name: 'Go to conversation' }).waitFor();
  await p.keyboard.type('coast');
  await screen(p, 'switcher', findings);
  await p.keyboard.press('Enter');
  await p.locator('#composer-input:focus').waitFor({ timeout: LONG });
  await p.keyboard.type('Typed without a mouse');
  await p.keyboard.press('Enter');
  await statusOf(p, 'Typed without a mouse', 'delivered');
  await sees(alice.page, 'Typed without a mouse');
});

story('alice removes carol: carol\'s window says so and her composer is disabled with the reason', { timeout: 180_000 }, async () => {
  const p = alice.page;
  await open(p, RENAMED);
  await infoPanel(p, true);
  await p.locator('[data-member="carol"]').getByRole('button', { name: 'Remove carol' }).click();
  await p.locator('[data-member="carol"]').getByRole('button', { name: 'Remove carol' }).click();
  await p.locator('[data-member="carol"]').waitFor({ state: 'detached', timeout: LONG });
  await infoPanel(p, false);

  const c = carol.page;
  await c.locator('.system').filter({ hasText: 'alice removed you from this conversation' }).waitFor({ timeout: LONG });
  await c.locator('#composer-input[disabled]').waitFor({ timeout: LONG });
  const reason = await c.locator('#cannot-send').innerText();
  assert.ok(reason.trim().length > 0);
  await screen(c, 'removed', findings);
  await alice.page.locator('.system').filter({ hasText: 'You removed carol' }).waitFor({ timeout: LONG });
});

story('alice adds carol back from the info panel; carol can write again', { timeout: 180_000 }, async () => {
  const p = alice.page;
  await infoPanel(p, true);
  await p.locator('#info-add').fill('carol');
  await p.getByRole('button', { name: 'Add', exact: true }).click();
  await p.locator('[data-member="carol"]').waitFor({ timeout: LONG });
  await infoPanel(p, false);
  const c = carol.page;
  const accept = c.getByRole('button', { name: 'Accept' });
  const ready = c.locator('#composer-input:not([disabled])');
  await accept.or(ready).first().waitFor({ timeout: LONG });
  if (await accept.isVisible()) await accept.click();
  await ready.waitFor({ timeout: LONG });
  await send(c, 'Back again');
  await statusOf(c, 'Back again', 'delivered');
  await sees(alice.page, 'Back again');
});

story('settings: theme and notifications; the theme setting overrides the system', { timeout: 60_000 }, async () => {
  const p = alice.page;
  await p.keyboard.press('Control+,');
  await p.getByRole('dialog', { name: 'Settings' }).waitFor();
  await screen(p, 'settings', findings);
  await p.getByRole('radio', { name: 'Dark' }).check();
  await p.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  await p.getByRole('radio', { name: 'Same as the system' }).check();
  await p.waitForFunction(() => document.documentElement.dataset.theme === 'light');
  await p.keyboard.press('Escape');
  await p.getByRole('dialog', { name: 'Settings' }).waitFor({ state: 'detached' });
});

test('axe-core: no serious or critical violation on any screen; no CSP violation or page error', { skip }, () => {
  assert.ok(findings.length >= 0);
  assert.deepEqual(serious(findings), []);
  for (const u of [alice, bob, carol]) {
    const bad = u.consoleErrors.filter((e) => /CSP violation|pageerror/.test(e));
    assert.deepEqual(bad, [], u.name);
  }
});
