// A small simulated world for scenario tests, through the public API only:
// clients with identities, key packages and group states, and a delivery
// service that orders handshake messages (the first commit of an epoch wins)
// and fans them out to every member.

import assert from 'node:assert/strict';
import * as mls from '../../../main/mls/index.js';
import type { CipherSuiteId, ClientIdentity, CommitResult, GroupState, KeyPackageBundle } from '../../../main/mls/index.js';

/** Scenario tests run in these suites: X25519/AES-GCM/Ed25519 and P-256/AES-GCM/ECDSA. */
export const SUITES: readonly CipherSuiteId[] = [1, 2];

const enc = new TextEncoder();
const dec = new TextDecoder();
export const text = (s: string): Uint8Array => enc.encode(s);
export const str = (b: Uint8Array): string => dec.decode(b);
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class Client {
  state: GroupState | undefined;
  readonly bundles = new Map<string, KeyPackageBundle>();
  constructor(
    readonly name: string,
    public identity: ClientIdentity,
  ) {}

  get s(): GroupState {
    assert.ok(this.state !== undefined, `${this.name} is not in the group`);
    return this.state;
  }

  keyPackage(): Uint8Array {
    const b = mls.createKeyPackage(this.identity);
    this.bundles.set(hex(b.keyPackage), b);
    return b.keyPackage;
  }

  /** Joins from a Welcome made for any of our KeyPackages. */
  join(welcome: Uint8Array, opts: mls.JoinOptions = {}): void {
    let last: unknown;
    for (const b of this.bundles.values()) {
      try {
        this.state = mls.joinFromWelcome(welcome, b, this.identity, opts);
        return;
      } catch (e) {
        last = e;
      }
    }
    throw last ?? new Error(`${this.name} has no KeyPackage`);
  }

  leaf(): number {
    return mls.ownLeafIndex(this.s);
  }
}

export class World {
  readonly clients = new Map<string, Client>();
  constructor(readonly suite: CipherSuiteId) {}

  client(name: string): Client {
    let c = this.clients.get(name);
    if (c === undefined) {
      c = new Client(name, mls.createIdentity(this.suite, name));
      this.clients.set(name, c);
    }
    return c;
  }

  /** A new group created by `name`. */
  create(name: string, opts: mls.CreateGroupOptions = {}): Client {
    const c = this.client(name);
    c.state = mls.createGroup(c.identity, opts);
    return c;
  }

  members(): Client[] {
    return [...this.clients.values()].filter((c) => c.state !== undefined);
  }

  /**
   * The delivery service accepted `result` (a commit by `committer`): the
   * committer merges, every other member processes it, `joiners` join from the
   * Welcome. Members removed by it lose their state (and must see 'removed').
   */
  deliverCommit(committer: Client, result: CommitResult, joiners: readonly Client[] = [], opts: mls.ProcessOptions = {}): void {
    const others = this.members().filter((c) => c !== committer);
    committer.state = mls.mergePendingCommit(committer.s, result.pending);
    for (const c of others) {
      const r = mls.processMessage(c.s, result.commit, opts);
      if (r.result.kind === 'removed') c.state = undefined;
      else {
        assert.equal(r.result.kind, 'commit', `${c.name} processes the commit`);
        c.state = r.state;
      }
    }
    if (joiners.length > 0) assert.ok(result.welcome !== undefined, 'a Welcome for the joiners');
    for (const j of joiners) j.join(result.welcome!);
    this.assertAgree();
  }

  /** Every member is at the same epoch with the same epoch authenticator and member list. */
  assertAgree(): void {
    const ms = this.members();
    const first = ms[0]!.s;
    for (const c of ms) {
      assert.equal(mls.epoch(c.s), mls.epoch(first), `${c.name} epoch`);
      assert.equal(hex(mls.epochAuthenticator(c.s)), hex(mls.epochAuthenticator(first)), `${c.name} epoch authenticator`);
      assert.deepEqual(
        mls.members(c.s).map((m) => [m.leafIndex, str(m.identity)]),
        mls.members(first).map((m) => [m.leafIndex, str(m.identity)]),
        `${c.name} member list`,
      );
    }
  }

  /** `from` sends a message; every other member reads exactly it. Returns the message bytes. */
  say(from: Client, words: string): Uint8Array {
    const m = mls.encrypt(from.s, text(words));
    from.state = m.state;
    for (const c of this.members()) {
      if (c === from) continue;
      const r = mls.processMessage(c.s, m.message);
      assert.equal(r.result.kind, 'application', `${c.name} reads ${from.name}'s message`);
      if (r.result.kind !== 'application') continue;
      assert.equal(str(r.result.data), words);
      assert.equal(r.result.sender, from.leaf());
      c.state = r.state;
    }
    return m.message;
  }

  /** Every member sends one message that every other member reads. */
  everyoneSpeaks(tag: string): void {
    for (const c of this.members()) this.say(c, `${tag}: ${c.name}`);
  }
}

/** The encoded state, to compare before and after a rejected input. */
export function stateBytes(s: GroupState): string {
  return hex(mls.serializeState(s));
}
