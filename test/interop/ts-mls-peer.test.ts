// The ts-mls adapter checked against itself, through wire bytes only, before it
// is trusted as a peer for Arbor; and the two places where ts-mls 1.6.4 departs
// from RFC 9420, shown on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TsMlsPeer } from './ts-mls-peer.js';
import { SUITES, utf8, fromUtf8, type InteropPeer } from './peer.js';
import { REQUIRED_CAPABILITIES_EXT, allAgree, deliver, publicCommit } from './scenario.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

for (const suite of SUITES) {
  const tag = `suite 0x${suite.toString(16).padStart(4, '0')}`;

  test(`ts-mls ↔ ts-mls through bytes: welcome, messages, commits, external join (${tag})`, async () => {
    const [a, b, c, d, e] = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => TsMlsPeer.create(n, suite)));
    if (!a || !b || !c || !d || !e) throw new Error('peers');
    await a.createGroup(utf8('ts-only'));

    // Welcome with the tree inside.
    const add1 = await a.commit([{ type: 'add', keyPackage: await b.keyPackage() }], { ratchetTreeInWelcome: true });
    assert.ok(add1.welcome);
    await b.joinFromWelcome(add1.welcome);
    // Welcome with the tree out of band.
    const add2 = await a.commit([{ type: 'add', keyPackage: await c.keyPackage() }]);
    assert.ok(add2.welcome);
    await deliver(add2.commit, [b]);
    await assert.rejects(TsMlsPeer.create('x', suite).then(async (x) => {
      await x.keyPackage();
      return x.joinFromWelcome(add2.welcome!);
    }));
    await c.joinFromWelcome(add2.welcome, add2.ratchetTree);
    const group: InteropPeer[] = [a, b, c];
    await allAgree(group);

    // Application messages every way.
    for (const from of group) {
      const ct = await from.encrypt(utf8(`hi from ${from.identity}`));
      for (const to of group) {
        if (to === from) continue;
        const r = await to.process(ct);
        assert.equal(r.kind, 'application');
        if (r.kind === 'application') assert.equal(fromUtf8(r.data), `hi from ${from.identity}`);
      }
    }

    // Full-path update, by c.
    const upd = await c.commit([], { publicMessage: true });
    assert.ok(publicCommit(upd.commit).path, 'an empty commit carries a path');
    await deliver(upd.commit, [a, b]);
    await allAgree(group);

    // External PSK, committed by b.
    const pskId = utf8('interop-psk');
    for (const p of group) p.addExternalPsk(pskId, new Uint8Array(32).fill(7));
    const psk = await b.commit([{ type: 'psk', pskId, pskNonce: new Uint8Array(32).fill(1) }]);
    await deliver(psk.commit, [a, c]);
    await allAgree(group);

    // Several proposals by reference: a proposes Add(d), c proposes Remove(b); a commits both.
    const propAdd = await a.propose({ type: 'add', keyPackage: await d.keyPackage() });
    const propRemove = await c.propose({ type: 'remove', identity: 'b' }, { publicMessage: true });
    for (const p of [b, c]) assert.deepEqual(await p.process(propAdd), { kind: 'proposal' });
    for (const p of [a, b]) assert.deepEqual(await p.process(propRemove), { kind: 'proposal' });
    const byRef = await a.commit([], { publicMessage: true });
    const commit = publicCommit(byRef.commit);
    assert.equal(commit.proposals.length, 2);
    assert.ok(commit.proposals.every((p) => p.type === 2), 'both proposals by reference');
    assert.ok(byRef.welcome);
    await deliver(byRef.commit, [c]); // b is removed: ts-mls cannot process its own removal (no path secret for it)
    await d.joinFromWelcome(byRef.welcome, byRef.ratchetTree);
    const group2: InteropPeer[] = [a, c, d];
    await allAgree(group2);
    assert.deepEqual(a.members(), ['a', 'd', 'c'], 'd takes the leaf b left (removes before adds)');

    // External join from a GroupInfo with external_pub, tree inside and out of band.
    const gi = await c.groupInfo({ ratchetTree: true });
    const ext = await e.joinExternal(gi);
    await deliver(ext, group2);
    await allAgree([...group2, e]);
    assert.deepEqual(e.members(), ['a', 'd', 'c', 'e']);
  });

  test(`ts-mls 1.6.4 departs from RFC 9420: GroupContextExtensions commit without a path, empty list not clearing (${tag})`, async () => {
    const [a, b] = await Promise.all(['a', 'b'].map((n) => TsMlsPeer.create(n, suite)));
    if (!a || !b) throw new Error('peers');
    await a.createGroup(utf8('gce'), [REQUIRED_CAPABILITIES_EXT]);
    const add = await a.commit([{ type: 'add', keyPackage: await b.keyPackage() }], { ratchetTreeInWelcome: true });
    await b.joinFromWelcome(add.welcome!);

    // RFC 9420 §12.4: a commit carrying GroupContextExtensions MUST have a path. ts-mls sends none.
    const gce = await a.commit([{ type: 'gce', extensions: [REQUIRED_CAPABILITIES_EXT] }], { publicMessage: true });
    const commit = publicCommit(gce.commit);
    assert.equal(commit.proposals.length, 1);
    assert.equal(commit.path, undefined, 'ts-mls 1.6.4 omits the path of a GroupContextExtensions-only commit');
    await deliver(gce.commit, [b]);
    await allAgree([a, b]);

    // RFC 9420 §12.1.7: the proposal's list replaces the extensions; an empty list clears them. ts-mls keeps the old ones.
    const clear = await a.commit([{ type: 'gce', extensions: [] }]);
    await deliver(clear.commit, [b]);
    assert.equal(hex(a.groupContextExtensions()[0]?.extensionData ?? new Uint8Array()), hex(REQUIRED_CAPABILITIES_EXT.extensionData));
    assert.equal(a.groupContextExtensions().length, 1, 'ts-mls 1.6.4 keeps the extensions an empty GroupContextExtensions should clear');
  });
}
