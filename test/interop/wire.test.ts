// Wire-level interop that needs no group state machine: Arbor's strict decoders
// and validators on every kind of bytes ts-mls 1.6.4 sends, and ts-mls's
// validation of the KeyPackages Arbor makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getProvider } from '../../main/mls/crypto/index.js';
import { mlsMessageBytes, parseMLSMessage } from '../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../main/mls/framing/wire-format.js';
import { ContentType } from '../../main/mls/framing/content-type.js';
import { validateKeyPackage } from '../../main/mls/messages/key-package-validation.js';
import { verifyGroupInfoSignature } from '../../main/mls/messages/group-info.js';
import { ratchetTreeBytes, ratchetTreeFromBytes } from '../../main/mls/tree/ratchet-tree-codec.js';
import { validateRatchetTree } from '../../main/mls/tree/tree-validation.js';
import { leafIndex } from '../../main/mls/tree/math.js';
import { findExtension } from '../../main/mls/extensions/extension.js';
import { DecodeError } from '../../main/mls/errors.js';
import { TsMlsPeer } from './ts-mls-peer.js';
import { ArborIdentity, keyPackageMessage } from './arbor-identity.js';
import { SUITES, utf8 } from './peer.js';
import { deliver } from './scenario.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Arbor decodes the bytes and encodes them back identically. */
function roundTrips(bytes: Uint8Array, wireFormat: number, what: string) {
  const m = parseMLSMessage(bytes);
  assert.equal(m.wireFormat, wireFormat, `${what}: wire format`);
  assert.equal(hex(mlsMessageBytes(m)), hex(bytes), `${what}: Arbor re-encodes ts-mls bytes identically`);
  return m;
}

for (const suiteId of SUITES) {
  const tag = `suite 0x${suiteId.toString(16).padStart(4, '0')}`;
  const suite = getProvider().getSuite(suiteId);

  test(`Arbor decodes, re-encodes and validates every ts-mls message kind; ts-mls accepts Arbor KeyPackages (${tag})`, async () => {
    const [a, b, e] = await Promise.all(['a', 'b', 'e'].map((n) => TsMlsPeer.create(n, suiteId)));
    if (!a || !b || !e) throw new Error('peers');
    const arbor = new ArborIdentity('arbor', suite);

    // ts-mls KeyPackage: Arbor's validator accepts it (GREASE values included).
    const tsKp = roundTrips(await b.keyPackage(), WireFormat.mlsKeyPackage, 'KeyPackage');
    if (tsKp.wireFormat !== WireFormat.mlsKeyPackage) throw new Error('unreachable');
    validateKeyPackage(suite, tsKp.keyPackage, { now: BigInt(Math.floor(Date.now() / 1000)) });

    // An Arbor KeyPackage: ts-mls validates it while committing the Add (signature, leaf, init key).
    const arborKp = arbor.newKeyPackage();
    await a.createGroup(utf8('wire'));
    const out = await a.commit(
      [
        { type: 'add', keyPackage: keyPackageMessage(arborKp) },
        { type: 'add', keyPackage: mlsMessageBytes(tsKp) },
      ],
      { ratchetTreeInWelcome: true, publicMessage: true },
    );
    assert.deepEqual(a.members(), ['a', 'arbor', 'b']);
    await b.joinFromWelcome(out.welcome!);

    const commit = roundTrips(out.commit, WireFormat.mlsPublicMessage, 'PublicMessage commit');
    if (commit.wireFormat !== WireFormat.mlsPublicMessage) throw new Error('unreachable');
    assert.equal(commit.publicMessage.content.contentType, ContentType.commit);
    const welcome = roundTrips(out.welcome!, WireFormat.mlsWelcome, 'Welcome');
    if (welcome.wireFormat !== WireFormat.mlsWelcome) throw new Error('unreachable');
    assert.equal(welcome.welcome.secrets.length, 2);
    assert.ok(welcome.welcome.secrets.some((s) => hex(s.newMember) === hex(arborKp.ref)), 'Welcome addresses Arbor by its KeyPackageRef');

    // PrivateMessage (application) and a PrivateMessage proposal.
    roundTrips(await a.encrypt(utf8('hello')), WireFormat.mlsPrivateMessage, 'PrivateMessage application');
    const prop = await b.propose({ type: 'remove', identity: 'arbor' });
    roundTrips(prop, WireFormat.mlsPrivateMessage, 'PrivateMessage proposal');
    await deliver(prop, [a]);
    const byRef = await a.commit([]);
    await deliver(byRef.commit, [b]);

    // GroupInfo with external_pub and ratchet_tree: signature and tree check out in Arbor.
    const giMsg = roundTrips(await a.groupInfo({ ratchetTree: true }), WireFormat.mlsGroupInfo, 'GroupInfo');
    if (giMsg.wireFormat !== WireFormat.mlsGroupInfo) throw new Error('unreachable');
    const gi = giMsg.groupInfo;
    assert.ok(findExtension(gi.extensions, 4), 'external_pub present');
    const treeExt = findExtension(gi.extensions, 2);
    assert.ok(treeExt, 'ratchet_tree present');
    const tree = ratchetTreeFromBytes(treeExt.extensionData);
    assert.equal(hex(ratchetTreeBytes(tree)), hex(treeExt.extensionData), 'ratchet tree re-encodes identically');
    assert.equal(hex(ratchetTreeBytes(ratchetTreeFromBytes(a.ratchetTree()))), hex(a.ratchetTree()), 'out-of-band tree too');
    validateRatchetTree(suite, tree, { groupId: gi.groupContext.groupId, expectedTreeHash: gi.groupContext.treeHash });
    const signer = tree.leaf(leafIndex(gi.signer));
    assert.ok(signer);
    assert.ok(verifyGroupInfoSignature(suite, gi, signer.signatureKey), 'ts-mls GroupInfo signature verifies in Arbor');

    // External commit (PublicMessage, new_member_commit sender).
    const ext = roundTrips(await e.joinExternal(mlsMessageBytes(giMsg)), WireFormat.mlsPublicMessage, 'external commit');
    if (ext.wireFormat !== WireFormat.mlsPublicMessage) throw new Error('unreachable');
    assert.equal(ext.publicMessage.content.sender.senderType, 4 /* new_member_commit */);

    // A truncated ts-mls message is a DecodeError, not a crash.
    assert.throws(() => parseMLSMessage(out.welcome!.subarray(0, out.welcome!.length - 1)), DecodeError);
  });
}
