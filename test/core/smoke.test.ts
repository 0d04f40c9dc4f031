import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conversationNamed, startDevice, startDs, texts, waitUntil, withAccount } from './helpers.js';

test('two users: create, accept, talk', async () => {
  const ds = await startDs();
  const alice = await withAccount(await startDevice('alice'), ds);
  const bob = await withAccount(await startDevice('bob'), ds);
  try {
    const c = await alice.api.invoke('conversations.create', { title: 'Trip', userIds: ['bob'] });
    const cb = await conversationNamed(bob, 'Trip');
    assert.equal(cb.status, 'invited');
    assert.equal(cb.invitedBy, 'alice');
    await bob.api.invoke('conversations.accept', { conversationId: cb.id });
    await waitUntil(async () => (await bob.api.invoke('conversations.get', { conversationId: cb.id })).status === 'active', 'bob active');
    await alice.api.invoke('messages.send', { conversationId: c.id, text: 'hi bob' });
    await waitUntil(async () => (await texts(bob, cb.id)).includes('hi bob'), 'bob has hi');
    await bob.api.invoke('messages.send', { conversationId: cb.id, text: 'hi alice' });
    await waitUntil(async () => (await texts(alice, c.id)).includes('hi alice'), 'alice has hi');
    const sa = await alice.api.invoke('conversations.safetyCode', { conversationId: c.id });
    const sb = await bob.api.invoke('conversations.safetyCode', { conversationId: cb.id });
    assert.deepEqual(sa, sb);
  } finally {
    await alice.close();
    await bob.close();
    await ds.stop();
  }
});
