// The contract's serving side refuses every malformed call with a typed error
// and never throws; the calling side matches replies to calls and fans out events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMAND_NAMES, commands, ContractError, createContractClient, createDispatcher, type CallMessage, type Handlers } from '../../main/contract/index.js';

function echoHandlers(): Handlers {
  const h: Record<string, (a: unknown) => unknown> = {};
  for (const name of COMMAND_NAMES) h[name] = (a) => ({ name, a });
  return h as unknown as Handlers;
}

test('a well-formed call reaches its handler with the parsed argument', async () => {
  const d = createDispatcher(echoHandlers());
  const r = await d('messages.send', { conversationId: 'ab12', text: 'hi' });
  assert.deepEqual(r, { ok: true, result: { name: 'messages.send', a: { conversationId: 'ab12', text: 'hi' } } });
  const r2 = await d('messages.list', { conversationId: 'ab12' });
  assert.equal(r2.ok, true);
  assert.deepEqual(await d('account.get', undefined), { ok: true, result: { name: 'account.get', a: undefined } });
  assert.deepEqual(await d('account.get', {}), { ok: true, result: { name: 'account.get', a: undefined } });
});

const BAD: [string, unknown, RegExp][] = [
  ['messages.send', { conversationId: 'ab12' }, /messages\.send\.text: expected a string/],
  ['messages.send', { conversationId: 'ab12', text: '' }, /at least 1/],
  ['messages.send', { conversationId: 'ab12', text: 'x'.repeat(65537) }, /at most 65536/],
  ['messages.send', { conversationId: 'AB12', text: 'x' }, /conversationId: not a conversation id/],
  ['messages.send', { conversationId: 'ab12', text: 'x', extra: 1 }, /extra: unknown field/],
  ['messages.send', null, /expected an object, got null/],
  ['messages.send', [1], /expected an object, got an array/],
  ['messages.list', { conversationId: 'ab12', limit: 0 }, /limit: must be between 1 and 500/],
  ['messages.list', { conversationId: 'ab12', limit: 1.5 }, /expected an integer/],
  ['messages.list', { conversationId: 'ab12', before: '0' }, /not a message id/],
  ['conversations.create', { title: 't', userIds: [] }, /at least 1 entries/],
  ['conversations.create', { title: 't', userIds: ['bob', 'bob'] }, /distinct/],
  ['conversations.create', { title: 't', userIds: ['b/ob'] }, /userIds\[0\]: not a user id/],
  ['conversations.mute', { conversationId: 'ab', muted: 'yes' }, /expected a boolean/],
  ['account.create', { userId: 'a', deviceName: 'd', serverUrl: 'http://x' }, /serverUrl/],
  ['account.get', { x: 1 }, /takes no argument/],
  ['settings.set', { theme: 'pink' }, /expected one of light, dark, system/],
];

test('every malformed argument is a bad_argument error naming the field', async () => {
  const d = createDispatcher(echoHandlers());
  for (const [cmd, args, re] of BAD) {
    const r = await d(cmd, args);
    assert.equal(r.ok, false, `${cmd} ${JSON.stringify(args)}`);
    if (!r.ok) {
      assert.equal(r.error.code, 'bad_argument');
      assert.match(r.error.message, re);
    }
  }
});

test('unknown commands, odd names and prototype tricks are refused', async () => {
  const d = createDispatcher(echoHandlers());
  for (const name of ['nope', '__proto__', 'constructor', 'toString', 42, null, undefined, { a: 1 }]) {
    const r = await d(name, undefined);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'unknown_command');
  }
  const proto = await d('messages.send', Object.create({ text: 'inherited' }) as unknown);
  assert.equal(proto.ok, false);
});

test('a handler that throws gives a typed reply, internal errors are reported once', async () => {
  const seen: string[] = [];
  const h = { ...echoHandlers() } as Record<string, unknown>;
  h['conversations.get'] = () => {
    throw new ContractError('not_found', 'no such conversation');
  };
  h['conversations.list'] = () => {
    throw new TypeError('boom');
  };
  const d = createDispatcher(h as unknown as Handlers, (c) => seen.push(c));
  assert.deepEqual(await d('conversations.get', { conversationId: 'aa' }), { ok: false, error: { code: 'not_found', message: 'no such conversation' } });
  assert.deepEqual(await d('conversations.list', undefined), { ok: false, error: { code: 'internal', message: 'TypeError: boom' } });
  assert.deepEqual(seen, ['conversations.list']);
});

test('the client matches replies by id, rebuilds typed errors and fans out events', async () => {
  const sent: CallMessage[] = [];
  const c = createContractClient({ send: (m) => sent.push(m) });
  const p1 = c.invoke('connection.status');
  const p2 = c.invoke('conversations.get', { conversationId: 'aa' });
  const events: unknown[] = [];
  const off = c.on('connection.changed', (s) => events.push(s.state));
  c.receive({ type: 'reply', id: sent[1]!.id, ok: false, error: { code: 'not_found', message: 'gone' } });
  c.receive({ type: 'reply', id: sent[0]!.id, ok: true, result: { state: 'online', lastError: null, nextRetryAt: null } });
  c.receive({ type: 'event', event: 'connection.changed', payload: { state: 'offline' } });
  c.receive({ type: 'reply', id: 999, ok: true, result: 1 }); // unknown id: ignored
  c.receive('garbage');
  off();
  c.receive({ type: 'event', event: 'connection.changed', payload: { state: 'online' } });
  assert.deepEqual(await p1, { state: 'online', lastError: null, nextRetryAt: null });
  await assert.rejects(p2, (e: unknown) => e instanceof ContractError && e.code === 'not_found');
  assert.deepEqual(events, ['offline']);
  const p3 = c.invoke('settings.get');
  c.close('core stopped');
  await assert.rejects(p3, (e: unknown) => e instanceof ContractError && e.code === 'unavailable');
  await assert.rejects(c.invoke('settings.get'), (e: unknown) => e instanceof ContractError && e.code === 'unavailable');
});

test('the table and its schemas agree: every command parses a minimal valid argument', () => {
  assert.ok(COMMAND_NAMES.length >= 20);
  for (const name of COMMAND_NAMES) assert.equal(typeof commands[name].parse, 'function');
});
