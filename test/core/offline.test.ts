// Offline-first: a user writes while the connection is down; the messages show
// at once as pending, keep their order, and go out on reconnect; the others get
// each exactly once, and the writer's messages end delivered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startProxy } from './proxy.js';
import { allMessages, conversationNamed, startDevice, startDs, texts, waitUntil, withAccount } from './helpers.js';

test('an outbox written offline is sent in order on reconnect', async () => {
  const ds = await startDs();
  const proxy = await startProxy(ds.url);
  const alice = await withAccount(await startDevice('alice'), ds);
  const bob = await startDevice('bob');
  await bob.api.invoke('account.create', { userId: 'bob', deviceName: 'phone', serverUrl: proxy.url });
  try {
    await waitUntil(async () => (await bob.api.invoke('connection.status')).state === 'online', 'bob online');
    const c = await alice.api.invoke('conversations.create', { title: 'Plans', userIds: ['bob'] });
    const cb = await conversationNamed(bob, 'Plans');
    await bob.api.invoke('conversations.accept', { conversationId: cb.id });
    await waitUntil(async () => (await bob.api.invoke('conversations.get', { conversationId: c.id })).status === 'active', 'bob active');

    proxy.cut();
    await waitUntil(async () => (await bob.api.invoke('connection.status')).state !== 'online', 'bob offline');
    const sent = [];
    for (let i = 0; i < 10; i++) sent.push(await bob.api.invoke('messages.send', { conversationId: c.id, text: `offline ${i}` }));
    assert.ok(sent.every((m) => m.status === 'pending'));
    const listed = await allMessages(bob, c.id);
    assert.deepEqual(
      listed.filter((m) => m.kind === 'text').map((m) => [m.text, m.status]),
      sent.map((m) => [m.text, 'pending']),
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await texts(alice, c.id), [], 'nothing reached alice while bob was offline');

    proxy.restore();
    await bob.api.invoke('connection.reconnect');
    const want = sent.map((m) => m.text);
    await waitUntil(async () => (await texts(alice, c.id)).join('|') === want.join('|'), 'alice got all ten in order');
    await waitUntil(async () => (await allMessages(bob, c.id)).filter((m) => m.kind === 'text').every((m) => m.status === 'delivered'), 'delivered');
    assert.deepEqual(await texts(alice, c.id), want, 'each exactly once');
  } finally {
    await alice.close();
    await bob.close();
    await proxy.close();
    await ds.stop();
  }
});
