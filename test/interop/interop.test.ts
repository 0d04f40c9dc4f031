// Live interoperability between Arbor and ts-mls 1.6.4 (issue 6): only RFC 9420
// wire bytes cross between them. After every epoch change every member must
// agree on the epoch, the epoch authenticator, an MLS-Exporter secret and the
// member list; application messages are checked in every direction.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CryptoError, DecodeError, MlsError, ValidationError } from '../../main/mls/errors.js';
import { parseMLSMessage } from '../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../main/mls/framing/wire-format.js';
import { readExternalPub } from '../../main/mls/messages/external-pub.js';
import { rawExternalPub, toRfcExternalPub, toTsMlsExternalPub } from './external-pub-dialect.js';
import { ArborPeer } from './arbor-peer.js';
import { TsMlsPeer } from './ts-mls-peer.js';
import { SUITES, utf8, type InteropPeer } from './peer.js';
import { REQUIRED_CAPABILITIES_EXT, allAgree, deliver, exchange, hasUnevenUnmergedLeaves, publicCommit } from './scenario.js';
import { ProposalOrRefType } from '../../main/mls/messages/proposal-or-ref.js';
import { ProposalType } from '../../main/mls/messages/proposal.js';

/** required_capabilities requiring nothing: differs from REQUIRED_CAPABILITIES_EXT, supported by everyone. */
const OTHER_REQUIRED_CAPABILITIES_EXT = { extensionType: 3, extensionData: Uint8Array.from([0x00, 0x00, 0x00]) };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const arbor = (name: string, suite: number): Promise<ArborPeer> => ArborPeer.create(name, suite);
const tsmls = (name: string, suite: number): Promise<TsMlsPeer> => TsMlsPeer.create(name, suite);

/** Commits, hands the commit to `others`, joins `joiners` from the Welcome; returns the output. */
async function commitAndDeliver(
  committer: InteropPeer,
  others: InteropPeer[],
  proposals: Parameters<InteropPeer['commit']>[0],
  opts: Parameters<InteropPeer['commit']>[1] & { joiners?: InteropPeer[]; treeOutOfBand?: boolean } = {},
) {
  const out = await committer.commit(proposals, opts);
  await deliver(out.commit, others);
  for (const j of opts.joiners ?? []) {
    assert.ok(out.welcome, 'commit with Adds has a Welcome');
    if (opts.treeOutOfBand) {
      // The Welcome really lacks the tree: joining without it fails (neither implementation changes state on failure).
      await assert.rejects(j.joinFromWelcome(out.welcome), `${j.identity} cannot join without the out-of-band tree`);
    }
    await j.joinFromWelcome(out.welcome, opts.treeOutOfBand ? out.ratchetTree : undefined);
  }
  return out;
}

/** Asserts the Arbor member rejects `message` with a typed error of `errorClass` and keeps its state byte-for-byte. */
async function arborRejects(peer: ArborPeer, message: Uint8Array, errorClass: typeof MlsError, why: RegExp | undefined, what: string) {
  const before = hex(peer.stateBytes());
  await assert.rejects(
    peer.process(message),
    (err: unknown) => {
      assert.ok(err instanceof errorClass, `${what}: expected ${errorClass.name}, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
      if (why !== undefined) assert.match((err as Error).message, why, what);
      return true;
    },
    what,
  );
  assert.equal(hex(peer.stateBytes()), before, `${what}: the rejected message left Arbor's state unchanged`);
}

for (const suite of SUITES) {
  describe(`Arbor ↔ ts-mls, cipher suite 0x${suite.toString(16).padStart(4, '0')}`, () => {
    test('Arbor creates a group and adds ts-mls members by Welcome: ratchet tree in the Welcome, then out of band', async () => {
      const a = await arbor('arbor-creator', suite);
      const [t1, t2] = [await tsmls('ts-1', suite), await tsmls('ts-2', suite)];
      await a.createGroup(utf8('arbor-made group'));

      await commitAndDeliver(a, [], [{ type: 'add', keyPackage: await t1.keyPackage() }], { ratchetTreeInWelcome: true, joiners: [t1] });
      await allAgree([a, t1]);
      await exchange([a, t1], 'epoch 1');

      await commitAndDeliver(a, [t1], [{ type: 'add', keyPackage: await t2.keyPackage() }], { ratchetTreeInWelcome: false, joiners: [t2], treeOutOfBand: true });
      await allAgree([a, t1, t2]);
      await exchange([a, t1, t2], 'epoch 2');
    });

    test('ts-mls creates a group and adds Arbor members by Welcome: ratchet tree in the Welcome, then out of band', async () => {
      const t = await tsmls('ts-creator', suite);
      const [a1, a2] = [await arbor('arbor-1', suite), await arbor('arbor-2', suite)];
      await t.createGroup(utf8('ts-mls-made group'));

      await commitAndDeliver(t, [], [{ type: 'add', keyPackage: await a1.keyPackage() }], { ratchetTreeInWelcome: true, joiners: [a1] });
      await allAgree([t, a1]);
      await exchange([t, a1], 'epoch 1');

      await commitAndDeliver(t, [a1], [{ type: 'add', keyPackage: await a2.keyPackage() }], { ratchetTreeInWelcome: false, joiners: [a2], treeOutOfBand: true });
      await allAgree([t, a1, a2]);
      await exchange([t, a1, a2], 'epoch 2');
    });

    test('mixed group: Add, full-path Update, external PSK, Remove and by-reference commits from both implementations', async () => {
      const a1 = await arbor('a1', suite);
      const a2 = await arbor('a2', suite);
      const a3 = await arbor('a3', suite);
      const t1 = await tsmls('t1', suite);
      const t2 = await tsmls('t2', suite);
      const t3 = await tsmls('t3', suite);
      const t4 = await tsmls('t4', suite);

      // Adds, from both sides, over PrivateMessage and PublicMessage.
      await a1.createGroup(utf8('mixed'));
      await commitAndDeliver(a1, [], [{ type: 'add', keyPackage: await t1.keyPackage() }], { ratchetTreeInWelcome: true, joiners: [t1] });
      await allAgree([a1, t1]);
      await commitAndDeliver(t1, [a1], [{ type: 'add', keyPackage: await a2.keyPackage() }], { ratchetTreeInWelcome: true, joiners: [a2] });
      await allAgree([a1, t1, a2]);
      await commitAndDeliver(a2, [a1, t1], [{ type: 'add', keyPackage: await t2.keyPackage() }], { publicMessage: true, joiners: [t2], treeOutOfBand: true });
      let group: InteropPeer[] = [a1, t1, a2, t2];
      await allAgree(group);
      assert.deepEqual(a1.members(), ['a1', 't1', 'a2', 't2']);

      // Full-path Update: an empty commit from every member, alternating the framing.
      for (const [i, p] of group.entries()) {
        const out = await commitAndDeliver(p, group.filter((q) => q !== p), [], { publicMessage: i % 2 === 0 });
        if (i % 2 === 0) assert.ok(publicCommit(out.commit).path, `${p.identity}'s empty commit carries an UpdatePath`);
        await allAgree(group);
      }
      await exchange(group, 'after updates');

      // An Arbor member's Update proposal, committed by reference by ts-mls (the Arbor member gets its new leaf key).
      const upd = await a2.propose({ type: 'update' }, { publicMessage: true });
      await deliver(upd, [a1, t1, t2]);
      await commitAndDeliver(t1, [a1, a2, t2], []);
      await allAgree(group);
      await exchange(group, 'after update proposal');

      // External PSK, committed by value from each side.
      const pskId = utf8('interop external psk');
      const secret = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
      for (const p of [a1, a2, a3, t1, t2, t3, t4]) p.addExternalPsk(pskId, secret);
      await commitAndDeliver(a1, [t1, a2, t2], [{ type: 'psk', pskId, pskNonce: new Uint8Array(32).fill(0xa1) }]);
      await allAgree(group);
      const tsPsk = await commitAndDeliver(t2, [a1, t1, a2], [{ type: 'psk', pskId, pskNonce: new Uint8Array(32).fill(0x72) }], { publicMessage: true });
      assert.deepEqual(
        publicCommit(tsPsk.commit).proposals.map((p) => p.type === ProposalOrRefType.proposal && p.proposal.proposalType),
        [ProposalType.psk],
      );
      await allAgree(group);

      // Several proposals by reference, from both implementations, committed by ts-mls.
      const p1 = await a1.propose({ type: 'add', keyPackage: await a3.keyPackage() });
      const p2 = await t2.propose({ type: 'add', keyPackage: await t3.keyPackage() }, { publicMessage: true });
      const p3 = await a2.propose({ type: 'psk', pskId, pskNonce: new Uint8Array(32).fill(0x03) }, { publicMessage: true });
      await deliver(p1, [t1, a2, t2]);
      await deliver(p2, [a1, t1, a2]);
      await deliver(p3, [a1, t1, t2]);
      const tsByRef = await commitAndDeliver(t1, [a1, a2, t2], [], { joiners: [a3, t3], ratchetTreeInWelcome: true, publicMessage: true });
      const tsRefs = publicCommit(tsByRef.commit).proposals;
      assert.equal(tsRefs.length, 3);
      assert.ok(tsRefs.every((p) => p.type === ProposalOrRefType.reference), 'ts-mls commits all three by reference');
      group = [a1, t1, a2, t2, a3, t3];
      await allAgree(group);
      await exchange(group, 'six members');

      // Several proposals by reference, committed by Arbor: removes from both sides and a PSK.
      const q1 = await t1.propose({ type: 'remove', identity: 't3' });
      const q2 = await a3.propose({ type: 'remove', identity: 'a2' }, { publicMessage: true });
      const q3 = await t2.propose({ type: 'psk', pskId, pskNonce: new Uint8Array(32).fill(0x33) });
      await deliver(q1, [a1, a2, t2, a3, t3]);
      await deliver(q2, [a1, t1, a2, t2, t3]);
      await deliver(q3, [a1, t1, a2, a3, t3]);
      // Plus an Add by value, so ts-mls joins from an Arbor Welcome whose GroupSecrets name the PSK.
      const byRef = await a1.commit([{ type: 'add', keyPackage: await t4.keyPackage() }], { publicMessage: true });
      const arborList = publicCommit(byRef.commit).proposals;
      assert.equal(arborList.length, 4);
      assert.equal(arborList.filter((p) => p.type === ProposalOrRefType.reference).length, 3, 'Arbor commits the three proposals by reference');
      await deliver(byRef.commit, [t1, t2, a3]);
      // The removed Arbor member learns it was removed; ts-mls 1.6.4 cannot process its own removal, so t3 is not asked.
      assert.deepEqual(await a2.process(byRef.commit), { kind: 'removed' });
      assert.ok(byRef.welcome);
      await t4.joinFromWelcome(byRef.welcome, byRef.ratchetTree);
      group = [a1, t1, t4, t2, a3];
      await allAgree(group);
      assert.deepEqual(a1.members(), ['a1', 't1', 't4', 't2', 'a3']);
      await exchange(group, 'five members');

      // Remove by value: ts-mls removes an Arbor member, Arbor removes a ts-mls member.
      const r1 = await commitAndDeliver(t1, [a1, t4, t2], [{ type: 'remove', identity: 'a3' }], { publicMessage: true });
      assert.deepEqual(await a3.process(r1.commit), { kind: 'removed' });
      await allAgree([a1, t1, t4, t2]);
      await commitAndDeliver(a1, [t1, t4], [{ type: 'remove', identity: 't2' }]);
      group = [a1, t1, t4];
      await allAgree(group);
      await exchange(group, 'after removes');
    });

    test('external join: a ts-mls client joins an Arbor group from the GroupInfo Arbor publishes (external_pub in ts-mls form)', async () => {
      const a = await arbor('arbor-owner', suite);
      const [t1, t2, t3] = [await tsmls('ts-1', suite), await tsmls('ts-ext-1', suite), await tsmls('ts-ext-2', suite)];
      await a.createGroup(utf8('arbor group, external joins'));
      await commitAndDeliver(a, [], [{ type: 'add', keyPackage: await t1.keyPackage() }], { ratchetTreeInWelcome: true, joiners: [t1] });

      // Ratchet tree inside the GroupInfo. Arbor's own GroupInfo, with only external_pub re-encoded (see external-pub-dialect.ts).
      const gi1 = toTsMlsExternalPub(a.suiteImpl, await a.groupInfo({ ratchetTree: true }), a.state.signaturePrivateKey);
      const c1 = await t2.joinExternal(gi1);
      await deliver(c1, [a, t1]);
      await allAgree([a, t1, t2]);
      await exchange([a, t1, t2], 'after external join');

      // Ratchet tree out of band.
      const gi2 = toTsMlsExternalPub(a.suiteImpl, await a.groupInfo({ ratchetTree: false }), a.state.signaturePrivateKey);
      const c2 = await t3.joinExternal(gi2, a.ratchetTree());
      await deliver(c2, [a, t1, t2]);
      await allAgree([a, t1, t2, t3]);
      await exchange([a, t1, t2, t3], 'after second external join');
    });

    test(
      'external join: an Arbor client joins a ts-mls group from the GroupInfo ts-mls publishes (external_pub in RFC form)',
      async () => {
        const t = await tsmls('ts-owner', suite);
        const [a1, a2, a3] = [await arbor('arbor-1', suite), await arbor('arbor-ext-1', suite), await arbor('arbor-ext-2', suite)];
        await t.createGroup(utf8('ts-mls group, external joins'));
        await commitAndDeliver(t, [], [{ type: 'add', keyPackage: await a1.keyPackage() }], { ratchetTreeInWelcome: true, joiners: [a1] });

        const gi1 = toRfcExternalPub(a1.suiteImpl, await t.groupInfo({ ratchetTree: true }), t.signaturePrivateKey());
        const c1 = await a2.joinExternal(gi1);
        await deliver(c1, [t, a1]);
        await allAgree([t, a1, a2]);
        await exchange([t, a1, a2], 'after external join');

        const gi2 = toRfcExternalPub(a1.suiteImpl, await t.groupInfo({ ratchetTree: false }), t.signaturePrivateKey());
        const c2 = await a3.joinExternal(gi2, t.ratchetTree());
        await deliver(c2, [t, a1, a2]);
        await allAgree([t, a1, a2, a3]);
      },
    );

    test('external resync both ways: a member rejoins from the other implementation\'s GroupInfo, removing its old leaf', async () => {
      const a = await arbor('arbor', suite);
      const [t1, t2] = [await tsmls('ts-1', suite), await tsmls('ts-2', suite)];
      const a2 = await arbor('arbor-2', suite);
      await a.createGroup(utf8('resync'));
      const kps = [await t1.keyPackage(), await a2.keyPackage(), await t2.keyPackage()];
      await commitAndDeliver(a, [], kps.map((keyPackage) => ({ type: 'add' as const, keyPackage })), { ratchetTreeInWelcome: true, joiners: [t1, a2, t2] });
      const group: InteropPeer[] = [a, t1, a2, t2];

      // ts-mls member t1 resyncs from Arbor's GroupInfo.
      const gi1 = toTsMlsExternalPub(a.suiteImpl, await a.groupInfo({ ratchetTree: true }), a.state.signaturePrivateKey);
      const c1 = await t1.resync(gi1);
      const ext1 = publicCommit(c1).proposals.map((p) => p.type === ProposalOrRefType.proposal && p.proposal.proposalType);
      assert.deepEqual(ext1.slice().sort(), [ProposalType.remove, ProposalType.external_init].sort());
      await deliver(c1, [a, a2, t2]);
      await allAgree(group);

      // Arbor member a2 resyncs from ts-mls's GroupInfo (tree out of band).
      const gi2 = toRfcExternalPub(a.suiteImpl, await t2.groupInfo({ ratchetTree: false }), t2.signaturePrivateKey());
      const c2 = await a2.resync(gi2, t2.ratchetTree());
      await deliver(c2, [a, t1, t2]);
      await allAgree(group);
      await exchange(group, 'after resyncs');
    });

    test('application messages out of order and from the previous epoch, both ways', async () => {
      const a = await arbor('arbor', suite);
      const t = await tsmls('ts', suite);
      await a.createGroup(utf8('late messages'));
      await commitAndDeliver(a, [], [{ type: 'add', keyPackage: await t.keyPackage() }], { ratchetTreeInWelcome: true, joiners: [t] });
      const text = (r: Awaited<ReturnType<InteropPeer['process']>>): string => {
        assert.equal(r.kind, 'application');
        return r.kind === 'application' ? new TextDecoder().decode(r.data) : '';
      };

      // Out of order within an epoch.
      const fromTs = [await t.encrypt(utf8('t1')), await t.encrypt(utf8('t2')), await t.encrypt(utf8('t3'))];
      assert.deepEqual([text(await a.process(fromTs[2]!)), text(await a.process(fromTs[0]!)), text(await a.process(fromTs[1]!))], ['t3', 't1', 't2']);
      const fromArbor = [await a.encrypt(utf8('a1')), await a.encrypt(utf8('a2')), await a.encrypt(utf8('a3'))];
      assert.deepEqual([text(await t.process(fromArbor[1]!)), text(await t.process(fromArbor[2]!)), text(await t.process(fromArbor[0]!))], ['a2', 'a3', 'a1']);

      // Sent in epoch 1, read after the group moved to epoch 2.
      const lateFromTs = await t.encrypt(utf8('late from ts-mls'));
      await commitAndDeliver(a, [t], []);
      assert.equal(text(await a.process(lateFromTs)), 'late from ts-mls');
      const lateFromArbor = await a.encrypt(utf8('late from Arbor'));
      await commitAndDeliver(t, [a], []);
      assert.equal(text(await t.process(lateFromArbor)), 'late from Arbor');
      await allAgree([a, t]);
    });

    test('ts-mls 1.6.4 non-conformance: external_pub carries the bare key instead of an ExternalPub struct', async () => {
      const t = await tsmls('ts-owner', suite);
      const a = await arbor('arbor-owner', suite);
      const x = await tsmls('ts-joiner', suite);
      await t.createGroup(utf8('ts external_pub'));
      await a.createGroup(utf8('arbor external_pub'));
      const npk = a.suiteImpl.hpke.generateKeyPair().publicKey.length;

      // RFC 9420 §12.4.3.2: extension_data = ExternalPub = opaque external_pub<V>: a length prefix, then Npk bytes.
      const arborExt = rawExternalPub(await a.groupInfo());
      assert.equal(arborExt.length, 1 + npk);
      assert.equal(arborExt[0], npk);
      // ts-mls: the bare Npk bytes.
      const tsGi = await t.groupInfo();
      const tsExt = rawExternalPub(tsGi);
      assert.equal(tsExt.length, npk, 'ts-mls 1.6.4 writes the bare HPKE key as external_pub');
      // Arbor's strict ExternalPub decoder does not take it as a valid key (DecodeError, or, if the first byte
      // happens to read as a fitting length, a key of the wrong size).
      const tsMsg = parseMLSMessage(tsGi);
      if (tsMsg.wireFormat !== WireFormat.mlsGroupInfo) throw new Error('unreachable');
      try {
        const pub = readExternalPub(tsMsg.groupInfo.extensions);
        assert.notEqual(pub?.externalPub.length, npk, 'not a key of this suite');
      } catch (err) {
        assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
      }
      // And ts-mls cannot use the RFC form Arbor sends.
      await assert.rejects(x.joinExternal(await a.groupInfo({ ratchetTree: true })));
    });

    test('ts-mls 1.6.4 non-conformance: a GroupContextExtensions commit without a path is rejected by Arbor', async () => {
      const t1 = await tsmls('ts-1', suite);
      const t2 = await tsmls('ts-2', suite);
      const a = await arbor('arbor', suite);
      await t1.createGroup(utf8('gce without path'), [REQUIRED_CAPABILITIES_EXT]);
      await commitAndDeliver(t1, [], [{ type: 'add', keyPackage: await a.keyPackage() }, { type: 'add', keyPackage: await t2.keyPackage() }], {
        ratchetTreeInWelcome: true,
        joiners: [a, t2],
      });
      await allAgree([t1, a, t2]);

      // Control: the same proposal with a Remove (so ts-mls adds a path) is accepted.
      await commitAndDeliver(t1, [a], [{ type: 'gce', extensions: [REQUIRED_CAPABILITIES_EXT] }, { type: 'remove', identity: 'ts-2' }]);
      await allAgree([t1, a]);

      // RFC 9420 §12.4: path is required when the commit covers a GroupContextExtensions proposal. ts-mls sends none.
      const bad = await t1.commit([{ type: 'gce', extensions: [REQUIRED_CAPABILITIES_EXT] }], { publicMessage: true });
      await arborRejects(a, bad.commit, ValidationError, /path/i, 'GroupContextExtensions commit without path');
    });

    test('ts-mls 1.6.4 non-conformance: an empty GroupContextExtensions list does not clear the extensions; Arbor rejects the commit', async () => {
      const t1 = await tsmls('ts-1', suite);
      const t2 = await tsmls('ts-2', suite);
      const t3 = await tsmls('ts-3', suite);
      const a = await arbor('arbor', suite);
      await t1.createGroup(utf8('gce empty list'), [REQUIRED_CAPABILITIES_EXT]);
      await commitAndDeliver(
        t1,
        [],
        [
          { type: 'add', keyPackage: await a.keyPackage() },
          { type: 'add', keyPackage: await t2.keyPackage() },
          { type: 'add', keyPackage: await t3.keyPackage() },
        ],
        { ratchetTreeInWelcome: true, joiners: [a, t2, t3] },
      );
      assert.equal(a.groupContextExtensions().length, 1);

      // Control: a non-empty replacement (with a Remove, so a path) is accepted and agreed.
      await commitAndDeliver(t1, [a, t2], [{ type: 'gce', extensions: [REQUIRED_CAPABILITIES_EXT] }, { type: 'remove', identity: 'ts-3' }]);
      await allAgree([t1, a, t2]);

      // RFC 9420 §12.1.7: the list replaces the GroupContext extensions; empty clears them. ts-mls keeps the old ones,
      // so its new GroupContext (and confirmation tag) differ from the RFC's.
      const bad = await t1.commit([{ type: 'gce', extensions: [] }, { type: 'remove', identity: 'ts-2' }], { publicMessage: true });
      assert.equal(t1.groupContextExtensions().length, 1, 'ts-mls kept the extensions');
      // Arbor's provisional GroupContext (RFC 9420 §12.4.2) has no extensions; ts-mls encrypted the path secrets
      // to one that kept them (HPKE context = GroupContext), so Arbor cannot open its path secret.
      await arborRejects(a, bad.commit, CryptoError, /path secret/, 'commit whose GroupContext kept the extensions an empty list clears');
    });

    test('ts-mls 1.6.4 non-conformance: a commit that changes the extensions encrypts its path to the old GroupContext', async () => {
      const [t1, t2, t3] = [await tsmls('ts-1', suite), await tsmls('ts-2', suite), await tsmls('ts-3', suite)];
      const a = await arbor('arbor', suite);
      await t1.createGroup(utf8('gce changes with path'), [REQUIRED_CAPABILITIES_EXT]);
      await commitAndDeliver(
        t1,
        [],
        [
          { type: 'add', keyPackage: await a.keyPackage() },
          { type: 'add', keyPackage: await t2.keyPackage() },
          { type: 'add', keyPackage: await t3.keyPackage() },
        ],
        { ratchetTreeInWelcome: true, joiners: [a, t2, t3] },
      );
      // RFC 9420 §12.4.1: path secrets are encrypted to the provisional GroupContext, which carries the NEW extensions.
      // ts-mls 1.6.4 uses the old ones when sending (and the new ones when receiving), so not even ts-mls can open it.
      const bad = await t1.commit([{ type: 'gce', extensions: [OTHER_REQUIRED_CAPABILITIES_EXT] }, { type: 'remove', identity: 'ts-3' }], { publicMessage: true });
      assert.ok(publicCommit(bad.commit).path, 'the commit has a path');
      await assert.rejects(t2.process(bad.commit), 'a ts-mls receiver cannot open it either');
      await arborRejects(a, bad.commit, CryptoError, /path secret/, 'path encrypted to the old extensions');
    });

    test('Arbor commits that change or clear the extensions (RFC-conforming) into ts-mls', async () => {
      const a = await arbor('arbor', suite);
      const t = await tsmls('ts', suite);
      await a.createGroup(utf8('arbor gce'), [REQUIRED_CAPABILITIES_EXT]);
      await commitAndDeliver(a, [], [{ type: 'add', keyPackage: await t.keyPackage() }], { ratchetTreeInWelcome: true, joiners: [t] });

      // A GroupContextExtensions-only commit, with the path the RFC requires: ts-mls follows it.
      const change = await commitAndDeliver(a, [t], [{ type: 'gce', extensions: [OTHER_REQUIRED_CAPABILITIES_EXT] }], { publicMessage: true });
      assert.ok(publicCommit(change.commit).path, 'Arbor sends the path');
      await allAgree([a, t]);
      assert.deepEqual(t.groupContextExtensions(), [OTHER_REQUIRED_CAPABILITIES_EXT]);

      // Clearing them with an empty list: ts-mls 1.6.4 keeps the old extensions, so it cannot follow.
      const clear = await a.commit([{ type: 'gce', extensions: [] }]);
      assert.deepEqual(a.groupContextExtensions(), []);
      await assert.rejects(t.process(clear.commit), 'ts-mls 1.6.4 cannot process a commit that clears the extensions');
    });

    test('ts-mls 1.6.4 non-conformance: it refuses to join a valid tree whose ancestors list different unmerged leaves', async () => {
      const [t0, t2, t5, t6] = [await tsmls('t0', suite), await tsmls('t2', suite), await tsmls('t5', suite), await tsmls('t6', suite)];
      const [a1, a3, a4] = [await arbor('a1', suite), await arbor('a3', suite), await arbor('a4', suite)];
      await t0.createGroup(utf8('unmerged leaves'));
      // ts-mls commits Adds without a path, so added leaves stay unmerged at their non-blank ancestors.
      const kps = [await a1.keyPackage(), await t2.keyPackage(), await a3.keyPackage(), await a4.keyPackage(), await t5.keyPackage()];
      await commitAndDeliver(t0, [], kps.map((keyPackage) => ({ type: 'add' as const, keyPackage })), { ratchetTreeInWelcome: true, joiners: [a1, t2, a3, a4, t5] });
      // Freeing leaf 3 under a path from leaf 0 that sets nodes 1, 3 and the root 7.
      const rm = await commitAndDeliver(t0, [a1, t2, a4, t5], [{ type: 'remove', identity: 'a3' }]);
      assert.deepEqual(await a3.process(rm.commit), { kind: 'removed' });
      // t6 lands at leaf 3, unmerged at nodes 3 and 7; then a4's path (leaf 4) resets node 7 but not node 3.
      await commitAndDeliver(t0, [a1, t2, a4, t5], [{ type: 'add', keyPackage: await t6.keyPackage() }], { ratchetTreeInWelcome: true, joiners: [t6] });
      await commitAndDeliver(a4, [t0, a1, t2, t5, t6], []);
      const members: InteropPeer[] = [t0, a1, t2, t6, a4, t5];
      await allAgree(members);

      const x = await tsmls('ts-joiner', suite);
      const y = await arbor('arbor-joiner', suite);
      const out = await t0.commit([{ type: 'add', keyPackage: await x.keyPackage() }, { type: 'add', keyPackage: await y.keyPackage() }], { ratchetTreeInWelcome: true });
      assert.ok(hasUnevenUnmergedLeaves(out.ratchetTree), 'the tree has the shape under test');
      await deliver(out.commit, [a1, t2, t6, a4, t5]);
      // RFC 9420 §12.4.3.1 only asks the nodes between an unmerged leaf and the parent listing it to list it too.
      await assert.rejects(x.joinFromWelcome(out.welcome!), /unmerged_leaves/, 'ts-mls 1.6.4 wants identical lists on all ancestors');
      await y.joinFromWelcome(out.welcome!);
      await allAgree([...members, y]);
    });

    test('ts-mls 1.6.4 non-conformance: with the root off the filtered direct path, its commit_secret takes one derivation too many', async () => {
      // RFC 9420 §12.4.1/§12.4.2: commit_secret = path_secret[n+1], n the LAST node of the filtered direct path.
      // ts-mls derives on up to the root even when the root is filtered out (the other half of the tree is blank).
      const t0 = await tsmls('t0', suite);
      const [a1, a3] = [await arbor('a1', suite), await arbor('a3', suite)];
      const t2 = await tsmls('t2', suite);
      await t0.createGroup(utf8('root filtered'));
      const kps = [await a1.keyPackage(), await t2.keyPackage(), await a3.keyPackage()];
      await commitAndDeliver(t0, [], kps.map((keyPackage) => ({ type: 'add' as const, keyPackage })), { ratchetTreeInWelcome: true, joiners: [a1, t2, a3] });
      await commitAndDeliver(a3, [a1, t2], [{ type: 'remove', identity: 't0' }]);
      await allAgree([a1, t2, a3]);
      // t2 (leaf 2) removes leaf 1: leaves 0 and 1 are blank, so t2's filtered direct path is node 5 only.
      const bad = await t2.commit([{ type: 'remove', identity: 'a1' }], { publicMessage: true });
      assert.deepEqual(await a1.process(bad.commit), { kind: 'removed' });
      await arborRejects(a3, bad.commit, ValidationError, /confirmation_tag/, 'commit_secret derived past the filtered direct path');
    });

    test('ts-mls 1.6.4 cannot follow an Arbor commit whose filtered direct path excludes the root', async () => {
      const a0 = await arbor('a0', suite);
      const [t1, t3] = [await tsmls('t1', suite), await tsmls('t3', suite)];
      const a2 = await arbor('a2', suite);
      await a0.createGroup(utf8('root filtered, Arbor commits'));
      const kps = [await t1.keyPackage(), await a2.keyPackage(), await t3.keyPackage()];
      await commitAndDeliver(a0, [], kps.map((keyPackage) => ({ type: 'add' as const, keyPackage })), { ratchetTreeInWelcome: true, joiners: [t1, a2, t3] });
      const rm0 = await commitAndDeliver(t3, [t1, a2], [{ type: 'remove', identity: 'a0' }]);
      assert.deepEqual(await a0.process(rm0.commit), { kind: 'removed' });
      await allAgree([t1, a2, t3]);
      // a2 (leaf 2) removes leaf 1: Arbor sends a path for node 5 only and derives commit_secret from it, as the RFC says.
      const out = await a2.commit([{ type: 'remove', identity: 't1' }], { publicMessage: true });
      assert.equal(publicCommit(out.commit).path?.nodes.length, 1, 'the filtered direct path is one node');
      await assert.rejects(t3.process(out.commit), /confirmation tag/i, 'ts-mls 1.6.4 derives a different commit_secret');
    });
  });
}
