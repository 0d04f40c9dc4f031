// The renderer's pure parts, under Node: message rows (day dividers, sender
// groups, ordering), the virtual list's arithmetic, shortcuts, words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../../main/contract/index.js';
import { shortcutOf, type KeyLike } from '../../renderer/src/lib/keys.js';
import { buildRows, compareIds, dayOf, prependPage, upsert } from '../../renderer/src/lib/rows.js';
import { layoutOffsets, rowAt, visibleRange } from '../../renderer/src/lib/virtual.js';
import { codeRows, initials } from '../../renderer/src/lib/format.js';
import { refusalText, statusText, systemText } from '../../renderer/src/lib/words.js';

const T0 = new Date(2025, 4, 10, 9, 0).getTime();
const MIN = 60_000;

function msg(id: number, over: Partial<Message> = {}): Message {
  return {
    id: String(id),
    conversationId: 'ab',
    kind: 'text',
    sender: { userId: 'bob', deviceId: 'd' },
    isOwn: false,
    text: `m${id}`,
    system: null,
    sentAt: T0 + id * MIN,
    receivedAt: T0 + id * MIN,
    status: null,
    failReason: null,
    delivered: null,
    ...over,
  };
}

test('rows: a day divider per day, groups by sender within five minutes, system lines apart', () => {
  const ms = [
    msg(1),
    msg(2),
    msg(3, { sender: { userId: 'carol', deviceId: 'c' } }),
    msg(4, { isOwn: true, sender: { userId: 'alice', deviceId: 'a' }, status: 'sent' }),
    msg(5, { isOwn: true, sender: { userId: 'alice', deviceId: 'a' }, status: 'pending' }),
    msg(6, { kind: 'system', sender: null, system: { type: 'renamed', by: 'bob', title: 'X' } }),
    msg(7),
    msg(30),
    msg(2000),
  ];
  const rows = buildRows(ms);
  assert.deepEqual(
    rows.map((r) => (r.kind === 'text' ? `${r.key}${r.firstOfGroup ? 'F' : ''}${r.lastOfGroup ? 'L' : ''}` : r.kind === 'day' ? 'day' : `s${r.key}`)),
    ['day', '1F', '2L', '3FL', '4F', '5L', 's6', '7FL', '30FL', 'day', '2000FL'],
  );
  const days = rows.filter((r) => r.kind === 'day');
  assert.equal(days[0]!.kind === 'day' && days[0]!.day, dayOf(T0));
  assert.equal(new Set(rows.map((r) => r.key)).size, rows.length, 'keys are unique');
});

test('message ids order numerically; upsert inserts in order and replaces by id; older pages join without duplicates', () => {
  assert.ok(compareIds('9', '10') < 0);
  assert.ok(compareIds('100', '99') > 0);
  assert.equal(compareIds('42', '42'), 0);
  let list: Message[] = [];
  for (const id of [5, 1, 10, 3]) list = upsert(list, msg(id));
  assert.deepEqual(list.map((m) => m.id), ['1', '3', '5', '10']);
  list = upsert(list, msg(3, { text: 'edited' }));
  assert.equal(list.length, 4);
  assert.equal(list[1]!.text, 'edited');
  assert.deepEqual(prependPage(list, [msg(1)]).map((m) => m.id), ['1', '3', '5', '10']);
  assert.deepEqual(prependPage(list.slice(1), [msg(1), msg(2), msg(3)]).map((m) => m.id), ['1', '2', '3', '5', '10']);
  assert.deepEqual(prependPage([], [msg(1)]).map((m) => m.id), ['1']);
});

test('virtual list: offsets, the row at a height, the rendered range stays small for 10,000 rows', () => {
  const off = layoutOffsets(4, (i) => [10, 20, 30, 40][i]!);
  assert.deepEqual([...off], [0, 10, 30, 60, 100]);
  assert.equal(rowAt(off, 0), 0);
  assert.equal(rowAt(off, 9.9), 0);
  assert.equal(rowAt(off, 10), 1);
  assert.equal(rowAt(off, 99), 3);
  assert.equal(rowAt(off, 1000), 3);
  assert.deepEqual(visibleRange(off, 0, 15, 0), { start: 0, end: 2 });
  assert.deepEqual(visibleRange(layoutOffsets(0, () => 1), 0, 100, 10), { start: 0, end: 0 });
  const big = layoutOffsets(10_000, (i) => 40 + (i % 3) * 20);
  for (const top of [0, 123_456, big[10_000]! - 800]) {
    const r = visibleRange(big, top, 800, 700);
    assert.ok(r.end - r.start < 80, `${r.end - r.start} rows at ${top}`);
    assert.ok(big[r.start]! <= Math.max(0, top - 700) + 1 && big[r.end]! >= Math.min(big[10_000]!, top + 800 + 700) - 1);
  }
});

test('shortcuts: Ctrl (Cmd on macOS) + N, K and comma; Alt + Up/Down; nothing else', () => {
  const k = (key: string, m: Partial<KeyLike> = {}): KeyLike => ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...m });
  assert.equal(shortcutOf(k('n', { ctrlKey: true }), false), 'newConversation');
  assert.equal(shortcutOf(k('N', { ctrlKey: true }), false), 'newConversation');
  assert.equal(shortcutOf(k('n', { metaKey: true }), true), 'newConversation');
  assert.equal(shortcutOf(k('n', { ctrlKey: true }), true), null, 'Ctrl+N is not the shortcut on macOS');
  assert.equal(shortcutOf(k('k', { ctrlKey: true }), false), 'switchConversation');
  assert.equal(shortcutOf(k(',', { ctrlKey: true }), false), 'settings');
  assert.equal(shortcutOf(k('ArrowUp', { altKey: true }), false), 'previousConversation');
  assert.equal(shortcutOf(k('ArrowDown', { altKey: true }), true), 'nextConversation');
  assert.equal(shortcutOf(k('n'), false), null);
  assert.equal(shortcutOf(k('n', { ctrlKey: true, shiftKey: true }), false), null);
  assert.equal(shortcutOf(k('ArrowDown'), false), null);
});

test('words: system lines, send states, refusals', () => {
  assert.equal(systemText({ type: 'joined', by: 'alice', userIds: ['bob', 'carol'] }, '', 'bob'), 'alice added You and carol');
  assert.equal(systemText({ type: 'removed', by: 'alice', userIds: ['carol'] }, '', 'alice'), 'You removed carol');
  assert.equal(systemText({ type: 'youWereRemoved', by: 'alice' }, '', 'carol'), 'alice removed you from this conversation');
  assert.equal(systemText({ type: 'renamed', by: 'bob', title: 'Trip' }, '', 'alice'), 'bob renamed the conversation to “Trip”');
  assert.equal(systemText({ type: 'gap', count: 3 }, '', null), '3 messages may be missing here');
  assert.equal(systemText(null, 'fallback', null), 'fallback');
  assert.equal(statusText(msg(1, { isOwn: true, status: 'delivered', delivered: { count: 1, of: 2 } })), 'Delivered to 1 of 2');
  assert.equal(statusText(msg(1, { isOwn: true, status: 'failed', failReason: 'too old' })), 'Not sent: too old');
  assert.match(refusalText('user_exists', 'x', { userId: 'alice' }), /“alice” is already taken/);
  assert.match(refusalText('unreachable', 'x', { serverUrl: 'ws://h:1' }), /Could not reach the server at ws:\/\/h:1/);
  assert.deepEqual(codeRows('11111 22222 33333 44444 55555'), [['11111', '22222', '33333', '44444'], ['55555']]);
  assert.equal(initials('weekend trip'), 'WT');
  assert.equal(initials(''), '#');
});
