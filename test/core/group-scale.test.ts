// Groups as they get busy: twenty members in one conversation; three members
// changing the group at the same moment (one commit wins each epoch, the
// others re-plan, and every intent is applied once); a device offline for 500
// messages in five conversations catches up in order, none lost or doubled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allMessages, conversationNamed, startDevice, startDs, texts, waitUntil, withAccount, type Device, type Ds } from './helpers.js';

async function join(d: Device, title: string): Promise<string> {
  const c = await conversationNamed(d, title, 60_000);
  // From a contact, the invitation may be accepted on its own meanwhile.
  if (c.status === 'invited') await d.api.invoke('conversations.accept', { conversationId: c.id }).catch((e: Error) => assert.match(e.message, /not an invitation/));
  await waitUntil(async () => (await d.api.invoke('conversations.get', { conversationId: c.id })).status === 'active', `${d.name} joins ${title}`, 60_000);
  return c.id;
}

async function people(ds: Ds, names: readonly string[]): Promise<Device[]> {
  const out: Device[] = [];
  for (const n of names) out.push(await withAccount(await startDevice(n), ds));
  return out;
}

test('twenty members in one conversation', { timeout: 300_000 }, async () => {
  const ds = await startDs();
  const names = Array.from({ length: 20 }, (_, i) => `m${String(i).padStart(2, '0')}`);
  const all = await people(ds, names);
  try {
    const [owner, ...rest] = all;
    const c = await owner!.api.invoke('conversations.create', { title: 'Twenty', userIds: rest.map((d) => d.name) });
    for (const d of rest) await join(d, 'Twenty');
    for (const d of all.slice(0, 5)) await d.api.invoke('messages.send', { conversationId: c.id, text: `from ${d.name}` });
    for (const d of all) await waitUntil(async () => (await texts(d, c.id)).length === 5, `${d.name} has five`, 60_000);
    const members = await rest[7]!.api.invoke('conversations.members', { conversationId: c.id });
    assert.equal(members.length, 20);
    const codes = new Set(await Promise.all(all.map(async (d) => (await d.api.invoke('conversations.safetyCode', { conversationId: c.id }))!.code)));
    assert.equal(codes.size, 1, 'one safety code for all twenty');
    await waitUntil(async () => (await allMessages(owner!, c.id)).some((m) => m.isOwn && m.status === 'delivered'), 'owner’s message delivered to 19', 60_000);
  } finally {
    await Promise.all(all.map((d) => d.close()));
    await ds.stop();
  }
});

test('three members change the group at once: all converge, every intent once', { timeout: 300_000 }, async () => {
  const ds = await startDs();
  const [a, b, c, x, y, z] = await people(ds, ['ra', 'rb', 'rc', 'rx', 'ry', 'rz']);
  const everyone = [a!, b!, c!, x!, y!, z!];
  try {
    const conv = await a!.api.invoke('conversations.create', { title: 'Race', userIds: ['rb', 'rc'] });
    await join(b!, 'Race');
    await join(c!, 'Race');
    // At the same moment: a adds rx, b adds ry, c adds rz and renames.
    await Promise.all([
      a!.api.invoke('conversations.addMembers', { conversationId: conv.id, userIds: ['rx'] }),
      b!.api.invoke('conversations.addMembers', { conversationId: conv.id, userIds: ['ry'] }),
      c!.api.invoke('conversations.addMembers', { conversationId: conv.id, userIds: ['rz'] }),
      c!.api.invoke('conversations.rename', { conversationId: conv.id, title: 'Race 2' }),
    ]);
    for (const d of [x!, y!, z!]) await join(d, 'Race 2').catch(async () => join(d, 'Race'));
    for (const d of everyone) {
      await waitUntil(async () => (await d.api.invoke('conversations.members', { conversationId: conv.id })).length === 6, `${d.name} sees six`, 60_000);
      await waitUntil(async () => (await d.api.invoke('conversations.get', { conversationId: conv.id })).title === 'Race 2', `${d.name} sees the title`, 60_000);
    }
    const codes = new Set(await Promise.all(everyone.map(async (d) => JSON.stringify(await d.api.invoke('conversations.safetyCode', { conversationId: conv.id })))));
    assert.equal(codes.size, 1, 'one epoch, one safety code');
    const lines = (await allMessages(a!, conv.id)).filter((m) => m.kind === 'system').map((m) => m.text);
    for (const who of ['rx', 'ry', 'rz']) assert.equal(lines.filter((t) => t.includes(`added ${who}`)).length, 1, `${who} added once: ${lines.join(' / ')}`);
    assert.equal(lines.filter((t) => t.includes('renamed')).length, 1);
  } finally {
    await Promise.all(everyone.map((d) => d.close()));
    await ds.stop();
  }
});

test('a device offline for 500 messages in five conversations catches up in order', { timeout: 300_000 }, async () => {
  const ds = await startDs();
  const [a, b] = await people(ds, ['ca', 'cb']);
  try {
    const ids: string[] = [];
    for (let k = 0; k < 5; k++) {
      const conv = await a!.api.invoke('conversations.create', { title: `c${k}`, userIds: ['cb'] });
      ids.push(conv.id);
      await join(b!, `c${k}`);
    }
    await b!.close();
    for (let i = 0; i < 100; i++) for (const id of ids) await a!.api.invoke('messages.send', { conversationId: id, text: `${id.slice(0, 4)} #${i}` });
    await waitUntil(async () => {
      for (const id of ids) if ((await allMessages(a!, id)).some((m) => m.status === 'pending')) return false;
      return true;
    }, 'all 500 accepted by the server', 120_000);
    await b!.restart();
    for (const id of ids) {
      const want = Array.from({ length: 100 }, (_, i) => `${id.slice(0, 4)} #${i}`);
      await waitUntil(async () => (await texts(b!, id)).length >= 100, `b caught up in ${id}`, 120_000);
      assert.deepEqual(await texts(b!, id), want);
    }
  } finally {
    await a!.close();
    await b!.close();
    await ds.stop();
  }
});
