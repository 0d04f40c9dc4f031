// Capabilities an application adds to its KeyPackages, and a private
// GroupContext extension (RFC 9420 §13.4: every member must list each one):
// an Add of a KeyPackage that does not list it is refused, and the extension
// can be replaced by a commit.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as mls from '../../../main/mls/index.js';
import { ArgumentError, ValidationError } from '../../../main/mls/index.js';
import type { Client } from '../scenarios/harness.js';
import { hex, stateBytes, str, text, World } from '../scenarios/harness.js';

const TITLE = 0xf0a0;
const title = (s: string): mls.Extension => ({ extensionType: TITLE, extensionData: text(s) });
const APP: mls.AppCapabilities = { extensions: [TITLE] };

/** A KeyPackage of `c` with these capabilities, kept so that `c` can join from its Welcome. */
function keyPackageOf(c: Client, capabilities?: mls.AppCapabilities): Uint8Array {
  const b = mls.createKeyPackage(c.identity, capabilities === undefined ? {} : { capabilities });
  c.bundles.set(hex(b.keyPackage), b);
  return b.keyPackage;
}

void describe('application capabilities', () => {
  void it('adds to the default capabilities and refuses default or out-of-range types', () => {
    const id = mls.createIdentity(1, 'k');
    const plain = mls.parseKeyPackage(mls.createKeyPackage(id).keyPackage).leafNode.capabilities;
    const kp = mls.parseKeyPackage(mls.createKeyPackage(id, { capabilities: { extensions: [TITLE, TITLE], proposals: [0xf0b0], credentials: [2] } }).keyPackage);
    const caps = kp.leafNode.capabilities;
    assert.deepEqual(caps.versions, plain.versions);
    assert.deepEqual(caps.cipherSuites, plain.cipherSuites);
    assert.deepEqual(caps.extensions, [...plain.extensions, TITLE], 'listed once');
    assert.deepEqual(caps.proposals, [0xf0b0]);
    assert.deepEqual(caps.credentials, [1, 2]);
    const last = mls.parseKeyPackage(mls.createKeyPackage(id, { lastResort: true, capabilities: APP }).keyPackage).leafNode.capabilities;
    assert.deepEqual(last.extensions, [0x000a, TITLE], 'with the extension types the KeyPackage uses');
    assert.throws(() => mls.createKeyPackage(id, { capabilities: { extensions: [2] } }), /capabilities\.extensions: 2 is a default type/);
    assert.throws(() => mls.createKeyPackage(id, { capabilities: { proposals: [7] } }), ArgumentError);
    assert.throws(() => mls.createKeyPackage(id, { capabilities: { credentials: [0x10000] } }), /not a uint16/);
  });

  void it('a group with a private GroupContext extension adds only KeyPackages that list it, and replaces it by commit', () => {
    const w = new World(1);
    const a = w.create('alice', { extensions: [title('Lunch')], capabilities: APP });
    assert.deepEqual(mls.groupContextExtensions(a.s), [title('Lunch')]);
    // The creator's leaf lists the group's extension even when not asked to.
    const a2 = mls.createGroup(mls.createIdentity(1, 'x'), { extensions: [title('t')] });
    assert.ok(a2.tree.leaf(mls.ownLeafIndex(a2))!.capabilities.extensions.includes(TITLE));

    const [b, c] = [w.client('bob'), w.client('carol')];
    const before = stateBytes(a.s);
    assert.throws(() => mls.addMembers(a.s, [keyPackageOf(c)]), (e: unknown) => e instanceof ValidationError && /does not support group extension 61600/.test(e.message));
    assert.equal(stateBytes(a.s), before);
    w.deliverCommit(a, mls.addMembers(a.s, [keyPackageOf(b, APP)]), [b]);
    assert.deepEqual(mls.groupContextExtensions(b.s), [title('Lunch')]);

    // Proposed by reference, the unsupported Add is left out of the commit (RFC 9420 §12.4: only valid proposals).
    const p = mls.proposeAdd(b.s, keyPackageOf(c));
    b.state = p.state;
    a.state = mls.processMessage(a.s, p.message).state;
    w.deliverCommit(a, mls.commit(a.s));
    assert.equal(mls.members(a.s).length, 2, 'carol was not added');

    w.deliverCommit(b, mls.addMembers(b.s, [keyPackageOf(c, APP)]), [c]);
    assert.equal(mls.members(c.s).length, 3);
    w.deliverCommit(c, mls.commit(c.s, { extensions: [title('Dinner')] }));
    for (const m of [a, b, c]) assert.equal(str(mls.groupContextExtensions(m.s)[0]!.extensionData), 'Dinner');
    w.everyoneSpeaks('after the new title');
    // A new extension type that no member lists cannot be introduced.
    assert.throws(() => mls.commit(a.s, { extensions: [title('x'), { extensionType: 0xf0a1, extensionData: text('?') }] }), /does not support group extension 61601/);
  });
});
