// The MLS side of the reference test client: a device that speaks real MLS
// through the engine's public API, the way an Arbor client must
// (docs/protocol.md §3.3): its credential is the basic `<userId>/<deviceId>`,
// its MLS signature key is its DS Ed25519 key, suite 0x0001, handshake
// messages are PublicMessages, a group is created with its epoch-0 GroupInfo,
// and every commit carries the new GroupInfo and the Welcomes for the devices
// it adds.

import * as mls from '../../main/mls/index.js';
import type { ClientIdentity, CommitResult, GroupState, KeyPackageBundle } from '../../main/mls/index.js';
import { b64, Client, device, unb64, type DeviceKey, type Json } from './client.js';

export interface DeviceRef {
  readonly userId: string;
  readonly deviceId: string;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The Arbor identity of a device: credential `<userId>/<deviceId>`, signature key = DS key. */
export function identityOf(userId: string, deviceId: string, key: DeviceKey): ClientIdentity {
  return mls.createIdentity(1, `${userId}/${deviceId}`, { publicKey: key.publicKey, privateKey: key.seed });
}

export class MlsDevice {
  readonly identity: ClientIdentity;
  readonly bundles = new Map<string, KeyPackageBundle>();
  readonly groups = new Map<string, GroupState>();
  /** Per group: the last seq this device has processed. */
  readonly seen = new Map<string, number>();

  constructor(
    readonly client: Client,
    readonly key: DeviceKey,
  ) {
    this.identity = identityOf(client.userId, client.deviceId, key);
  }

  get ref(): DeviceRef {
    return { userId: this.client.userId, deviceId: this.client.deviceId };
  }

  get name(): string {
    return `${this.client.userId}/${this.client.deviceId}`;
  }

  state(g: Uint8Array): GroupState {
    const s = this.groups.get(b64(g));
    if (s === undefined) throw new Error(`${this.name} is not in group ${b64(g)}`);
    return s;
  }

  setState(g: Uint8Array, s: GroupState): void {
    this.groups.set(b64(g), s);
  }

  /** A new KeyPackage of this device (its secrets kept to join later). */
  keyPackage(opts: mls.KeyPackageOptions = {}): Uint8Array {
    const b = mls.createKeyPackage(this.identity, opts);
    this.bundles.set(hex(b.ref), b);
    return b.keyPackage;
  }

  async upload(n: number, lastResort = false): Promise<Json> {
    const kps = Array.from({ length: n }, () => b64(this.keyPackage()));
    return this.client.ok('keypackages.upload', { keyPackages: kps, ...(lastResort ? { lastResort: b64(this.keyPackage({ lastResort: true })) } : {}) });
  }

  async createGroup(g: Uint8Array, opts: { allowExternalJoin?: boolean } = {}): Promise<Json> {
    const s = mls.createGroup(this.identity, { groupId: g });
    const r = await this.client.ok('group.create', { groupId: b64(g), groupInfo: b64(mls.groupInfo(s)), ...(opts.allowExternalJoin === true ? { allowExternalJoin: true } : {}) });
    this.setState(g, s);
    this.seen.set(b64(g), 0);
    return r;
  }

  /**
   * Posts a commit made from this device's state, with its GroupInfo and its
   * Welcome addressed to `to`; merges it once accepted. `extra` overrides fields.
   */
  async postCommit(g: Uint8Array, c: CommitResult, to: readonly DeviceRef[] = [], extra: Json = {}): Promise<Json> {
    const r = await this.client.request('group.commit', {
      commit: b64(c.commit),
      groupInfo: b64(c.groupInfo),
      ...(c.welcome !== undefined && to.length > 0 ? { welcomes: [{ welcome: b64(c.welcome), to }] } : {}),
      ...extra,
    });
    if (r.ok === true) {
      this.setState(g, mls.mergePendingCommit(this.state(g), c.pending));
      this.seen.set(b64(g), r.seq as number);
    }
    return r;
  }

  /** Adds the given devices (their KeyPackages given), with one Welcome. */
  async add(g: Uint8Array, members: readonly { ref: DeviceRef; keyPackage: Uint8Array }[], extra: Json = {}): Promise<Json> {
    const c = mls.addMembers(this.state(g), members.map((m) => m.keyPackage));
    return this.postCommit(g, c, members.map((m) => m.ref), extra);
  }

  /** Claims a KeyPackage of every device of each user and adds them all. */
  async claimAndAdd(g: Uint8Array, userIds: readonly string[]): Promise<Json> {
    const members: { ref: DeviceRef; keyPackage: Uint8Array }[] = [];
    for (const u of userIds) {
      const r = await this.client.okPatient('keypackages.claim', { userId: u });
      for (const k of r.keyPackages as Json[]) members.push({ ref: { userId: u, deviceId: k.deviceId as string }, keyPackage: unb64(k.keyPackage as string) });
    }
    const r = await this.add(g, members);
    if (r.ok !== true) throw new Error(`add ${userIds.join(', ')}: ${String(r.error)}: ${String(r.reason)}`);
    return r;
  }

  /** Joins a group from a Welcome made for one of our KeyPackages. */
  join(welcome: Uint8Array, groupIdB64: string): GroupState {
    let last: unknown;
    for (const b of this.bundles.values()) {
      try {
        const s = mls.joinFromWelcome(welcome, b, this.identity);
        this.groups.set(groupIdB64, s);
        return s;
      } catch (e) {
        last = e;
      }
    }
    throw last instanceof Error ? last : new Error(`${this.name}: no KeyPackage fits the Welcome`);
  }

  /** Accepts every pending invitation: joins from its Welcome, then acknowledges it. */
  async acceptAll(): Promise<Json[]> {
    const list = (await this.client.ok('welcome.list')).welcomes as Json[];
    for (const w of list) {
      this.join(unb64(w.welcome as string), w.groupId as string);
      await this.client.ok('welcome.ack', { ids: [w.id] });
      // The Welcome starts us after the commit that added us: everything later is ours to read.
      const r = await this.client.ok('group.list');
      const entry = (r.groups as Json[]).find((x) => x.groupId === w.groupId);
      this.seen.set(w.groupId as string, (entry?.acked as number | undefined) ?? 0);
    }
    return list;
  }

  /**
   * Fetches what this device has not processed in a group and processes the
   * commits and proposals (application messages are returned, unread: tests
   * post placeholder bytes the DS cannot tell from real ones). Acks the end unless told not to.
   */
  async catchUp(g: Uint8Array, opts: { ack?: boolean } = {}): Promise<Json[]> {
    const key = b64(g);
    const msgs = await this.client.fetchAll(g, this.seen.get(key) ?? 0);
    const apps: Json[] = [];
    for (const m of msgs) {
      const seq = m.seq as number;
      const mine = (m.sender as Json).userId === this.client.userId && (m.sender as Json).deviceId === this.client.deviceId;
      if (m.kind === 'application') apps.push(m);
      else if (!mine) {
        const r = mls.processMessage(this.state(g), unb64(m.message as string));
        if (r.result.kind === 'removed') this.groups.delete(key);
        else this.setState(g, r.state);
      }
      this.seen.set(key, seq);
    }
    if (msgs.length > 0 && opts.ack !== false) await this.client.ok('group.ack', { groupId: key, seq: msgs[msgs.length - 1]!.seq });
    return apps;
  }

  /** An application message (a real PrivateMessage). */
  async say(g: Uint8Array, text: string): Promise<Json> {
    const m = mls.encrypt(this.state(g), new TextEncoder().encode(text));
    this.setState(g, m.state);
    return this.client.ok('group.send', { message: b64(m.message) });
  }
}

/** A connected, registered, logged-in device with its MLS side. */
export async function mlsDevice(url: string, userId: string, deviceId = 'd1'): Promise<MlsDevice> {
  const d = await device(url, userId, deviceId);
  return new MlsDevice(d.client, d.key);
}

/** A group created by `owner` with the others added (they upload a KeyPackage, get claimed, accept). */
export async function formGroup(owner: MlsDevice, others: readonly MlsDevice[], g: Uint8Array, opts: { allowExternalJoin?: boolean } = {}): Promise<void> {
  await owner.createGroup(g, opts);
  if (others.length === 0) return;
  for (const o of others) await o.upload(1);
  const members = [];
  for (const o of others) {
    const r = await owner.client.okPatient('keypackages.claim', { userId: o.client.userId });
    const k = (r.keyPackages as Json[]).find((x) => x.deviceId === o.client.deviceId)!;
    members.push({ ref: o.ref, keyPackage: unb64(k.keyPackage as string) });
  }
  const r = await owner.add(g, members);
  if (r.ok !== true) throw new Error(`forming the group: ${String(r.error)}: ${String(r.reason)}`);
  await Promise.all(others.map((o) => o.acceptAll()));
}
