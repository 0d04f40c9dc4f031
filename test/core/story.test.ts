// The demo's story as assertions: three people, one group, one of them offline
// for a while, a rename, a removal; every message reaches every member once,
// own messages end 'delivered', and the safety codes agree.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allMessages, conversationNamed, startDevice, startDs, texts, waitUntil, withAccount, type Device, type Ds } from './helpers.js';

let ds: Ds;
let alice: Device, bob: Device, carol: Device;

before(async () => {
  ds = await startDs();
  const start = async (n: string): Promise<Device> => withAccount(await startDevice(n), ds);
  [alice, bob, carol] = await Promise.all([start('alice'), start('bob'), start('carol')]);
});
after(async () => {
  await Promise.all([alice, bob, carol].map((d) => d.close()));
  await ds.stop();
});

async function accept(d: Device, title: string): Promise<string> {
  const c = await conversationNamed(d, title);
  if (c.status === 'invited') await d.api.invoke('conversations.accept', { conversationId: c.id });
  await waitUntil(async () => (await d.api.invoke('conversations.get', { conversationId: c.id })).status === 'active', `${d.name} active in ${title}`);
  return c.id;
}

async function allDelivered(d: Device, id: string): Promise<boolean> {
  const own = (await allMessages(d, id)).filter((m) => m.isOwn && m.kind === 'text');
  return own.length > 0 && own.every((m) => m.status === 'delivered');
}

test('create, talk, go offline, rename, come back, remove', async () => {
  const created = await alice.api.invoke('conversations.create', { title: 'Weekend', userIds: ['bob', 'carol'] });
  const id = created.id;
  assert.equal(await accept(bob, 'Weekend'), id);
  assert.equal(await accept(carol, 'Weekend'), id);
  await alice.api.invoke('messages.send', { conversationId: id, text: 'hello both' });
  await bob.api.invoke('messages.send', { conversationId: id, text: 'hi alice' });
  await carol.api.invoke('messages.send', { conversationId: id, text: 'hey' });
  for (const d of [alice, bob, carol]) await waitUntil(async () => (await texts(d, id)).length === 3, `${d.name} has 3 texts`);
  for (const d of [alice, bob, carol]) await waitUntil(() => allDelivered(d, id), `${d.name}'s messages delivered`);

  await carol.close();
  await alice.api.invoke('messages.send', { conversationId: id, text: 'carol is away' });
  await bob.api.invoke('conversations.rename', { conversationId: id, title: 'Weekend trip' });
  await bob.api.invoke('messages.send', { conversationId: id, text: 'renamed it' });
  await waitUntil(async () => (await alice.api.invoke('conversations.get', { conversationId: id })).title === 'Weekend trip', 'alice sees the rename');
  await waitUntil(async () => (await texts(alice, id)).includes('renamed it'), 'alice has bob’s message');
  const aliceMsg = (await allMessages(alice, id)).find((m) => m.text === 'carol is away')!;
  assert.equal(aliceMsg.status, 'sent', 'not delivered while carol is offline');

  await carol.restart();
  await waitUntil(async () => (await carol.api.invoke('conversations.get', { conversationId: id })).title === 'Weekend trip', 'carol sees the rename');
  // Her own 'hey' sits where she wrote it; what she missed comes after, in the server's order.
  await waitUntil(async () => (await texts(carol, id)).slice(3).join('|') === 'carol is away|renamed it', 'carol caught up in order');
  assert.deepEqual((await texts(carol, id)).slice(0, 3).sort(), ['hello both', 'hey', 'hi alice']);
  await waitUntil(() => allDelivered(alice, id), 'alice’s messages delivered after carol came back');

  await alice.api.invoke('conversations.removeMember', { conversationId: id, userId: 'bob' });
  await waitUntil(async () => (await bob.api.invoke('conversations.get', { conversationId: id })).status === 'removed', 'bob removed');
  const b = await bob.api.invoke('conversations.get', { conversationId: id });
  assert.equal(b.canSend, false);
  await waitUntil(async () => (await carol.api.invoke('conversations.members', { conversationId: id })).length === 2, 'carol sees two members');
  const codes = await Promise.all([alice, carol].map((d) => d.api.invoke('conversations.safetyCode', { conversationId: id })));
  assert.deepEqual(codes[0], codes[1]);
  assert.match(codes[0]!.code, /^\d{5}( \d{5}){5}$/);
  const sys = (await allMessages(carol, id)).filter((m) => m.kind === 'system').map((m) => m.text);
  assert.ok(sys.some((t) => /bob renamed the conversation to “Weekend trip”/.test(t)), sys.join('\n'));
  assert.ok(sys.some((t) => /alice removed bob/.test(t)), sys.join('\n'));
  const bobLines = (await allMessages(bob, id)).filter((m) => m.kind === 'system').map((m) => m.text);
  assert.ok(!bobLines.some((t) => /missing/.test(t)), `a new member sees no gap: ${bobLines.join(' / ')}`);
  assert.ok(bobLines.some((t) => /alice removed you/.test(t)), bobLines.join('\n'));
  await assert.rejects(bob.api.invoke('messages.send', { conversationId: id, text: 'still here?' }), /not a member/);
});
