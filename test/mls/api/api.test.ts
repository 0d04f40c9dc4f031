// The public API's own behaviour: argument errors, pending commits across a
// restart, exporter and authenticator agreement, message kinds, proposals
// committed by reference, and last-resort KeyPackages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { ArgumentError, DecodeError, ValidationError } from '../../../main/mls/index.js';
import { ExtensionType } from '../../../main/mls/extensions/extension.js';
import { hex, stateBytes, text, World } from '../scenarios/harness.js';

function pair(suite: mls.CipherSuiteId = 1): World {
  const w = new World(suite);
  const a = w.create('a');
  const b = w.client('b');
  w.deliverCommit(a, mls.addMembers(a.s, [b.keyPackage()]), [b]);
  return w;
}

void describe('public API', () => {
  void it('refuses misuse with ArgumentError and leaves the state alone', () => {
    const w = pair();
    const a = w.client('a');
    const before = stateBytes(a.s);
    assert.throws(() => mls.addMembers(a.s, []), ArgumentError);
    assert.throws(() => mls.removeMembers(a.s, []), ArgumentError);
    assert.throws(() => mls.makeKeyPackages(a.identity, -1), ArgumentError);
    assert.throws(() => mls.createIdentity(9 as mls.CipherSuiteId, 'x'), ArgumentError);
    const other = mls.createIdentity(3, 'z');
    const kp3 = mls.createKeyPackage(other);
    const r = mls.addMembers(a.s, [w.client('c').keyPackage()]);
    assert.throws(() => mls.joinFromWelcome(r.welcome!, kp3, mls.createIdentity(1, 'z')), ArgumentError, 'identity of another suite');
    assert.throws(() => mls.addMembers(a.s, [kp3.keyPackage]), ValidationError, 'a KeyPackage of another suite');
    assert.throws(() => mls.addMembers(a.s, [r.welcome!]), ValidationError, 'not a KeyPackage');
    assert.throws(() => mls.removeMembers(a.s, [7]), ValidationError, 'not a member');
    assert.throws(() => mls.removeMembers(a.s, [mls.ownLeafIndex(a.s)]), ValidationError, 'removing oneself');
    assert.equal(stateBytes(a.s), before);
  });

  void it('keeps a pending commit across a restart and merges it once accepted', () => {
    const w = pair();
    const [a, b] = [w.client('a'), w.client('b')];
    const c = w.client('c');
    const r = mls.addMembers(a.s, [c.keyPackage()]);
    const stored = mls.serializePendingCommit(r.pending);
    const restoredState = mls.deserializeState(mls.serializeState(a.s));
    const pending = mls.deserializePendingCommit(stored);
    assert.deepEqual(mls.serializePendingCommit(pending), stored);
    a.state = mls.mergePendingCommit(restoredState, pending);
    b.state = mls.processMessage(b.s, r.commit).state;
    c.join(r.welcome!);
    w.assertAgree();
    w.everyoneSpeaks('after the restart');
    assert.throws(() => mls.deserializePendingCommit(stored.subarray(0, stored.length - 1)), DecodeError);
    const bad = stored.slice();
    bad[1] = 9;
    assert.throws(() => mls.deserializePendingCommit(bad), DecodeError);
  });

  void it('members agree on exported secrets and the epoch authenticator; epochs differ', () => {
    const w = pair();
    const [a, b] = [w.client('a'), w.client('b')];
    const ctx = text('ctx');
    assert.equal(hex(mls.exportSecret(a.s, 'arbor test', ctx, 32)), hex(mls.exportSecret(b.s, 'arbor test', ctx, 32)));
    assert.notEqual(hex(mls.exportSecret(a.s, 'arbor test', ctx, 32)), hex(mls.exportSecret(a.s, 'other', ctx, 32)));
    const e1 = hex(mls.epochAuthenticator(a.s));
    const x1 = hex(mls.exportSecret(a.s, 'arbor test', ctx, 32));
    w.deliverCommit(b, mls.update(b.s));
    assert.notEqual(hex(mls.epochAuthenticator(a.s)), e1);
    assert.notEqual(hex(mls.exportSecret(a.s, 'arbor test', ctx, 32)), x1);
    assert.equal(mls.cipherSuite(a.s), 1);
    assert.equal(hex(mls.groupId(a.s)), hex(mls.groupId(b.s)));
  });

  void it('names the kind of each message', () => {
    const w = pair();
    const a = w.client('a');
    const kp = w.client('c').keyPackage();
    const r = mls.addMembers(a.s, [kp]);
    assert.equal(mls.messageKind(r.commit), 'public');
    assert.equal(mls.messageKind(r.welcome!), 'welcome');
    assert.equal(mls.messageKind(r.groupInfo), 'groupInfo');
    assert.equal(mls.messageKind(kp), 'keyPackage');
    assert.equal(mls.messageKind(mls.encrypt(a.s, text('x')).message), 'private');
    assert.throws(() => mls.messageKind(new Uint8Array([0, 1, 0, 9])), DecodeError);
  });

  void it('commits received proposals by reference; encrypting with proposals pending is refused', () => {
    const w = pair();
    const [a, b] = [w.client('a'), w.client('b')];
    const [c, d] = [w.client('c'), w.client('d')];
    const p1 = mls.proposeAdd(b.s, c.keyPackage());
    b.state = p1.state;
    a.state = mls.processMessage(a.s, p1.message).state;
    const p2 = mls.proposeAdd(a.s, d.keyPackage());
    a.state = p2.state;
    b.state = mls.processMessage(b.s, p2.message).state;
    assert.throws(() => mls.encrypt(a.s, text('too early')), ValidationError);
    const r = mls.commit(a.s);
    w.deliverCommit(a, r, [c, d]);
    assert.equal(mls.members(a.s).length, 4);
    w.everyoneSpeaks('after by-reference adds');
    // includePending: false leaves received proposals out.
    const p3 = mls.proposeRemove(b.s, c.leaf());
    b.state = p3.state;
    for (const m of [a, c, d]) m.state = mls.processMessage(m.s, p3.message).state;
    const onlyPath = mls.commit(a.s, { includePending: false });
    w.deliverCommit(a, onlyPath);
    assert.equal(mls.members(a.s).length, 4, 'the Remove was not committed');
  });

  void it('makes last-resort KeyPackages and several at once', () => {
    const id = mls.createIdentity(1, 'k');
    const kps = mls.makeKeyPackages(id, 3, { lastResort: true });
    assert.equal(new Set(kps.map((k) => hex(k.ref))).size, 3);
    const kp = mls.parseKeyPackage(kps[0]!.keyPackage);
    assert.ok(kp.extensions.some((x) => x.extensionType === ExtensionType.last_resort));
    assert.ok(!mls.parseKeyPackage(mls.createKeyPackage(id).keyPackage).extensions.some((x) => x.extensionType === ExtensionType.last_resort));
    // A last-resort KeyPackage can be used to add its owner.
    const w = new World(1);
    const a = w.create('a');
    const r = mls.addMembers(a.s, [kps[0]!.keyPackage]);
    a.state = mls.mergePendingCommit(a.s, r.pending);
    const s = mls.joinFromWelcome(r.welcome!, kps[0]!, id);
    assert.equal(mls.epoch(s), 1n);
  });

  void it('joins with the ratchet tree out of band when GroupInfos do not carry it', () => {
    const w = new World(2);
    const a = w.create('a', { config: { ratchetTreeExtension: false } });
    const [b, c] = [w.client('b'), w.client('c')];
    const r = mls.addMembers(a.s, [b.keyPackage()]);
    a.state = mls.mergePendingCommit(a.s, r.pending);
    assert.throws(() => b.join(r.welcome!), ValidationError, 'no tree: refused');
    b.join(r.welcome!, { ratchetTree: mls.ratchetTree(a.s) });
    // A wrong tree fails the tree hash check.
    const r2 = mls.addMembers(a.s, [c.keyPackage()]);
    assert.throws(() => c.join(r2.welcome!, { ratchetTree: mls.ratchetTree(a.s) }), ValidationError);
    w.deliverCommit(a, r2);
    c.join(r2.welcome!, { ratchetTree: mls.ratchetTree(a.s) });
    w.assertAgree();
    w.everyoneSpeaks('out of band');
    // External joins need the tree too.
    const x = w.client('x');
    assert.throws(() => mls.joinExternal(mls.groupInfo(a.s), x.identity), ValidationError);
    const j = mls.joinExternal(mls.groupInfo(a.s), x.identity, { ratchetTree: mls.ratchetTree(a.s) });
    for (const m of [a, b, c]) m.state = mls.processMessage(m.s, j.commit).state;
    x.state = j.state;
    w.assertAgree();
  });

  void it('replaces the group context extensions by commit and by proposal', () => {
    const w = pair();
    const [a, b] = [w.client('a'), w.client('b')];
    const appId = { extensionType: ExtensionType.application_id, extensionData: text('arbor-room-1') };
    w.deliverCommit(a, mls.commit(a.s, { extensions: [appId] }));
    assert.deepEqual(a.s.groupContext.extensions, [appId]);
    assert.deepEqual(b.s.groupContext.extensions, [appId]);
    const p = mls.proposeGroupContextExtensions(b.s, []);
    b.state = p.state;
    a.state = mls.processMessage(a.s, p.message).state;
    w.deliverCommit(a, mls.commit(a.s));
    assert.deepEqual(b.s.groupContext.extensions, []);
    w.everyoneSpeaks('after');
  });
});
