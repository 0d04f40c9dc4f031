import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getProvider } from '../../../main/mls/crypto/index.js';
import { ArgumentError, DecodeError, ValidationError } from '../../../main/mls/errors.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import {
  createSecretTree,
  deserializeSecretTreeState,
  nextSenderKey,
  receiverKey,
  serializeSecretTreeState,
  type SecretTreeState,
} from '../../../main/mls/schedule/secret-tree.js';
import { concat } from '../../../main/mls/util/bytes.js';

const provider = getProvider();
const suite = provider.getSuite(1);
const secret = new Uint8Array(32).map((_, i) => i);
const L0 = leafIndex(0);
const L3 = leafIndex(3);

function senderKeys(state: SecretTreeState, leaf = L3, n = 8): { key: Uint8Array; nonce: Uint8Array }[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = nextSenderKey(suite, state, leaf, 'application');
    assert.equal(r.key.generation, i);
    out.push({ key: r.key.key, nonce: r.key.nonce });
    state = r.state;
  }
  return out;
}

void test('sender and receiver agree; handshake, application and leaves are distinct', () => {
  const s = createSecretTree(suite, secret, 4);
  const want = senderKeys(s);
  let r = s;
  for (let g = 0; g < want.length; g++) {
    const x = receiverKey(suite, r, L3, 'application', g);
    assert.deepEqual({ key: x.key.key, nonce: x.key.nonce }, want[g]);
    r = x.state;
  }
  const hs = receiverKey(suite, s, L3, 'handshake', 0).key;
  const other = receiverKey(suite, s, L0, 'application', 0).key;
  assert.notDeepEqual(hs.key, want[0]!.key);
  assert.notDeepEqual(other.key, want[0]!.key);
  assert.equal(hs.key.length, suite.aead.keySize);
  assert.equal(hs.nonce.length, suite.aead.nonceSize);
});

void test('out-of-order generations within the window are served, each once', () => {
  const s = createSecretTree(suite, secret, 4);
  const want = senderKeys(s);
  let st = s;
  for (const g of [5, 2, 0, 7, 3, 1, 6, 4]) {
    const x = receiverKey(suite, st, L3, 'application', g);
    assert.equal(x.key.generation, g);
    assert.deepEqual(x.key.key, want[g]!.key, `generation ${g}`);
    assert.deepEqual(x.key.nonce, want[g]!.nonce, `generation ${g}`);
    st = x.state;
  }
});

void test('a consumed generation asked again is a replay: ValidationError, state untouched', () => {
  let st = createSecretTree(suite, secret, 4);
  st = receiverKey(suite, st, L3, 'application', 4).state; // 0..3 skipped
  st = receiverKey(suite, st, L3, 'application', 2).state;
  for (const g of [2, 4]) {
    const before = serializeSecretTreeState(st);
    assert.throws(() => receiverKey(suite, st, L3, 'application', g), (e: unknown) => e instanceof ValidationError && /replay/.test(e.message));
    assert.deepEqual(serializeSecretTreeState(st), before);
  }
  // The skipped ones not yet consumed are still there, the other ratchet is unaffected.
  assert.equal(receiverKey(suite, st, L3, 'application', 3).key.generation, 3);
  assert.equal(receiverKey(suite, st, L3, 'handshake', 4).key.generation, 4);
});

void test('too far ahead is rejected; the limit is configurable', () => {
  const d = createSecretTree(suite, secret, 4);
  assert.throws(() => receiverKey(suite, d, L3, 'application', 1001), ValidationError);
  assert.equal(receiverKey(suite, d, L3, 'application', 1000).key.generation, 1000);
  const s = createSecretTree(suite, secret, 4, { maxForwardDistance: 10, maxSkippedKeys: 5 });
  assert.throws(() => receiverKey(suite, s, L3, 'application', 11), (e: unknown) => e instanceof ValidationError && /limit 10/.test(e.message));
  const st = receiverKey(suite, s, L3, 'application', 10).state;
  assert.throws(() => receiverKey(suite, st, L3, 'application', 22), ValidationError);
  assert.equal(receiverKey(suite, st, L3, 'application', 21).key.generation, 21);
});

void test('skipped keys are bounded: a generation below the oldest kept one is rejected', () => {
  const s = createSecretTree(suite, secret, 4, { maxForwardDistance: 100, maxSkippedKeys: 3 });
  const want = senderKeys(s, L3, 11);
  const st = receiverKey(suite, s, L3, 'application', 10).state; // keeps 7, 8, 9
  for (const g of [0, 6]) {
    assert.throws(() => receiverKey(suite, st, L3, 'application', g), (e: unknown) => e instanceof ValidationError && /oldest kept/.test(e.message));
  }
  for (const g of [7, 8, 9]) assert.deepEqual(receiverKey(suite, st, L3, 'application', g).key.key, want[g]!.key);
  const none = createSecretTree(suite, secret, 4, { maxForwardDistance: 100, maxSkippedKeys: 0 });
  const st2 = receiverKey(suite, none, L3, 'application', 5).state;
  assert.throws(() => receiverKey(suite, st2, L3, 'application', 4), ValidationError);
});

void test('deriving never changes the input state, and the new state shares untouched subtrees', () => {
  const s0 = createSecretTree(suite, secret, 8);
  const bytes0 = serializeSecretTreeState(s0);
  const a = receiverKey(suite, s0, L0, 'application', 3);
  assert.deepEqual(serializeSecretTreeState(s0), bytes0);
  // The old state still yields the very same key: it was not consumed there.
  assert.deepEqual(receiverKey(suite, s0, L0, 'application', 3).key, a.key);
  const bytes1 = serializeSecretTreeState(a.state);
  const b = nextSenderKey(suite, a.state, leafIndex(7), 'handshake');
  assert.deepEqual(serializeSecretTreeState(a.state), bytes1);
  const r1 = a.state.root;
  const r2 = b.state.root;
  assert.ok(r1.kind === 'split' && r2.kind === 'split');
  assert.equal(r2.left, r1.left, 'left subtree shared, not copied');
  assert.notEqual(r2.right, r1.right);
});

void test('a 16384-leaf tree is derived lazily', () => {
  const big = createSecretTree(suite, secret, 16384);
  assert.ok(serializeSecretTreeState(big).length < 64);
  const t = Date.now();
  let st = big;
  for (const l of [0, 9999, 16383]) st = receiverKey(suite, st, leafIndex(l), 'application', 0).state;
  const size = serializeSecretTreeState(st).length;
  assert.ok(size < 4000, `only the touched paths are stored (${size} bytes)`);
  assert.ok(Date.now() - t < 1000);
});

void test('serialization round-trips and the restored state continues identically', () => {
  let st = createSecretTree(suite, secret, 8, { maxForwardDistance: 50, maxSkippedKeys: 20 });
  st = receiverKey(suite, st, L3, 'application', 6).state;
  st = receiverKey(suite, st, L3, 'application', 2).state;
  st = nextSenderKey(suite, st, leafIndex(5), 'handshake').state;
  const bytes = serializeSecretTreeState(st);
  const back = deserializeSecretTreeState(bytes);
  assert.deepEqual(back, st);
  assert.deepEqual(serializeSecretTreeState(back), bytes);
  assert.deepEqual(receiverKey(suite, back, L3, 'application', 4).key, receiverKey(suite, st, L3, 'application', 4).key);
  assert.throws(() => receiverKey(suite, back, L3, 'application', 2), ValidationError);
  assert.deepEqual(nextSenderKey(suite, back, leafIndex(5), 'handshake').key.generation, 1);
});

void test('deserialization is strict', () => {
  let st = createSecretTree(suite, secret, 4);
  st = receiverKey(suite, st, L3, 'application', 3).state;
  const bytes = serializeSecretTreeState(st);
  for (let n = 0; n < bytes.length; n += 7) assert.throws(() => deserializeSecretTreeState(bytes.subarray(0, n)), DecodeError);
  assert.throws(() => deserializeSecretTreeState(concat(bytes, new Uint8Array([0]))), DecodeError);
  const badFormat = bytes.slice();
  badFormat[0] = 2;
  assert.throws(() => deserializeSecretTreeState(badFormat), DecodeError);
  const badLeaves = bytes.slice();
  badLeaves[6] = 3; // n_leaves = 3
  assert.throws(() => deserializeSecretTreeState(badLeaves), DecodeError);
  const badKind = bytes.slice();
  badKind[15] = 2; // root kind 'leaf' above leaf level
  assert.throws(() => deserializeSecretTreeState(badKind), (e: unknown) => e instanceof DecodeError && /kind/.test(e.message));
});

void test('bad arguments: wrong suite, leaf outside the tree, non-power-of-two size', () => {
  const st = createSecretTree(suite, secret, 4);
  assert.throws(() => receiverKey(provider.getSuite(2), st, L0, 'application', 0), ArgumentError);
  assert.throws(() => receiverKey(suite, st, leafIndex(4), 'application', 0), ValidationError);
  assert.throws(() => nextSenderKey(suite, st, leafIndex(4), 'application'), ArgumentError);
  assert.throws(() => createSecretTree(suite, secret, 3), ArgumentError);
  assert.throws(() => createSecretTree(suite, secret.subarray(1), 4), ArgumentError);
});
