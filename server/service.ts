// The delivery service's request handlers, independent of the transport: a
// request object in, a result object out (or a ProtocolError). Group ids,
// epochs and content types come from the MLS bytes (server/mls-peek.ts), never
// from fields the client declares beside them.

import { DecodeError } from '../main/mls/errors.js';
import { ChallengeBook, ed25519PublicKey, toBeSigned, verifyEd25519 } from './auth.js';
import { ContentType, peekMlsMessage, SenderType, WireFormat, type Peeked } from './mls-peek.js';
import {
  arrayField,
  b64Field,
  deviceField,
  ErrorCode,
  idField,
  intField,
  objField,
  optBool,
  ProtocolError,
  toB64,
  type Json,
} from './protocol.js';
import type { DeviceRef, Storage, StoredMessage, WelcomeRecord } from './storage/types.js';

export interface ServiceConfig {
  /** Largest MLS payload accepted, in bytes (after base64 decoding). */
  readonly maxMessageBytes: number;
  /** Application messages may be for the current epoch or this many before it. */
  readonly pastEpochs: number;
  /** Ordinary KeyPackages a device may have stored at once. */
  readonly maxKeyPackages: number;
  readonly fetchDefaultLimit: number;
  readonly fetchMaxLimit: number;
  readonly challengeTtlMs: number;
}

export const defaultServiceConfig: ServiceConfig = {
  maxMessageBytes: 768 * 1024,
  pastEpochs: 2,
  maxKeyPackages: 1000,
  fetchDefaultLimit: 100,
  fetchMaxLimit: 500,
  challengeTtlMs: 60_000,
};

/** One connection's state, as the service sees it. */
export interface Session {
  device: DeviceRef | null;
  readonly challenges: ChallengeBook;
}

/** What the transport does with accepted messages: push them to connected devices. */
export interface Notifier {
  message(msg: StoredMessage, to: readonly DeviceRef[], origin: Session): void;
  welcome(device: DeviceRef, welcome: WelcomeRecord): void;
  acked(session: Session, groupId: Uint8Array, acked: number): void;
}

const MAX_GROUP_ID = 255;
const MAX_LIST = 1000;

export function messageJson(m: StoredMessage): Json {
  return {
    groupId: toB64(m.groupId),
    seq: m.seq,
    epoch: m.epoch.toString(),
    kind: m.kind,
    sender: { userId: m.sender.userId, deviceId: m.sender.deviceId },
    message: toB64(m.data),
    ts: m.createdAt,
  };
}

export function welcomeJson(w: WelcomeRecord): Json {
  return { id: w.id, groupId: toB64(w.groupId), epoch: w.epoch.toString(), welcome: toB64(w.data), ts: w.createdAt };
}

function peek(bytes: Uint8Array, field: string): Peeked {
  try {
    return peekMlsMessage(bytes);
  } catch (err) {
    if (err instanceof DecodeError) throw new ProtocolError(ErrorCode.badMessage, `${field}: ${err.message}`);
    throw err;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function staleEpoch(current: bigint): ProtocolError {
  return new ProtocolError(ErrorCode.staleEpoch, `the group is at epoch ${current}`, { epoch: current.toString() });
}

/** A storage refusal of a posted commit or message as the protocol error the client gets. */
type PostRefusal =
  | { code: 'no_group' | 'not_member' | 'not_authorized' }
  | { code: 'stale_epoch'; currentEpoch: bigint }
  | { code: 'bad_roster'; reason: string };

function postRefusal(r: PostRefusal, notAuthorized: string): ProtocolError {
  switch (r.code) {
    case 'no_group':
      return new ProtocolError(ErrorCode.noGroup, 'no such group');
    case 'not_member':
      return new ProtocolError(ErrorCode.notMember, 'this device is not a member of the group');
    case 'not_authorized':
      return new ProtocolError(ErrorCode.notAuthorized, notAuthorized);
    case 'stale_epoch':
      return staleEpoch(r.currentEpoch);
    case 'bad_roster':
      return new ProtocolError(ErrorCode.badRoster, r.reason);
  }
}

function needDevice(s: Session): DeviceRef {
  if (s.device === null) throw new ProtocolError(ErrorCode.notLoggedIn, 'log in first');
  return s.device;
}

export class DeliveryService {
  constructor(
    private readonly storage: Storage,
    private readonly config: ServiceConfig,
    private readonly now: () => number,
    private readonly notifier: Notifier,
  ) {}

  newSession(): Session {
    return { device: null, challenges: new ChallengeBook(this.config.challengeTtlMs, 8, this.now) };
  }

  /** Dispatch one request. Only `challenge`, `register` and `login` are served before login. */
  async handle(s: Session, type: string, req: Json): Promise<Json> {
    if ((type === 'challenge' || type === 'register' || type === 'login') && s.device !== null) {
      throw new ProtocolError(ErrorCode.alreadyLoggedIn, 'this connection is logged in');
    }
    switch (type) {
      case 'challenge':
        return this.challenge(s);
      case 'register':
        return this.register(s, req);
      case 'login':
        return this.login(s, req);
    }
    const me = needDevice(s);
    switch (type) {
      case 'ping':
        return {};
      case 'keypackages.upload':
        return this.uploadKeyPackages(me, req);
      case 'keypackages.claim':
        return this.claimKeyPackages(req);
      case 'keypackages.count':
        return { ...(await this.storage.countKeyPackages(me)) };
      case 'group.create':
        return this.createGroup(me, req);
      case 'group.commit':
        return this.commit(s, me, req);
      case 'group.send':
        return this.send(s, me, req);
      case 'group.fetch':
        return this.fetch(me, req);
      case 'group.ack':
        return this.ack(s, me, req);
      case 'group.list':
        return this.listGroups(me);
      case 'group.roster':
        return this.roster(me, req);
      case 'group.info':
        return this.groupInfo(me, req);
      case 'welcome.list':
        return this.listWelcomes(me, req);
      case 'welcome.ack':
        return this.ackWelcomes(me, req);
      default:
        throw new ProtocolError(ErrorCode.unknownRequest, `unknown request type ${JSON.stringify(type).slice(0, 80)}`);
    }
  }

  private challenge(s: Session): Json {
    return { challenge: toB64(s.challenges.issue()), expiresInMs: this.config.challengeTtlMs };
  }

  private takeChallenge(s: Session, req: Json): Uint8Array {
    const challenge = b64Field(req.challenge, 'challenge', 64);
    // Consumed before the signature is checked: a challenge serves one attempt only.
    if (!s.challenges.consume(challenge)) throw new ProtocolError(ErrorCode.challengeInvalid, 'challenge unknown, already used or expired');
    return challenge;
  }

  private async register(s: Session, req: Json): Promise<Json> {
    const userId = idField(req.userId, 'userId');
    const deviceId = idField(req.deviceId, 'deviceId');
    const publicKey = b64Field(req.publicKey, 'publicKey', 64);
    const signature = b64Field(req.signature, 'signature', 128);
    if (ed25519PublicKey(publicKey) === undefined) throw new ProtocolError(ErrorCode.badKey, 'publicKey: not a raw 32-byte Ed25519 public key');
    const challenge = this.takeChallenge(s, req);
    // Proof of possession of the new key.
    if (!verifyEd25519(publicKey, toBeSigned('register', [challenge, userId, deviceId, publicKey]), signature)) {
      throw new ProtocolError(ErrorCode.badSignature, 'signature does not verify under publicKey');
    }
    let first = true;
    if (req.authorization !== undefined) {
      const auth = objField(req.authorization, 'authorization');
      const byId = idField(auth.deviceId, 'authorization.deviceId');
      const authSig = b64Field(auth.signature, 'authorization.signature', 128);
      const by = await this.storage.getDevice(userId, byId);
      if (by === undefined) throw new ProtocolError(ErrorCode.unknownDevice, `authorization.deviceId: ${userId}/${byId} is not registered`);
      if (!verifyEd25519(by.publicKey, toBeSigned('add-device', [userId, deviceId, publicKey]), authSig)) {
        throw new ProtocolError(ErrorCode.badSignature, `authorization.signature does not verify under the key of ${userId}/${byId}`);
      }
      first = false;
    }
    const r = await this.storage.registerDevice({ userId, deviceId, publicKey, createdAt: this.now() }, first);
    switch (r) {
      case 'ok':
        s.device = { userId, deviceId };
        return { userId, deviceId };
      case 'user_exists':
        throw new ProtocolError(ErrorCode.userExists, `user ${userId} exists: a new device needs an authorization by one of its devices`);
      case 'unknown_user':
        throw new ProtocolError(ErrorCode.unknownUser, `user ${userId} does not exist`);
      case 'device_exists':
        throw new ProtocolError(ErrorCode.deviceExists, `device ${userId}/${deviceId} is already registered`);
    }
  }

  private async login(s: Session, req: Json): Promise<Json> {
    const userId = idField(req.userId, 'userId');
    const deviceId = idField(req.deviceId, 'deviceId');
    const signature = b64Field(req.signature, 'signature', 128);
    const challenge = this.takeChallenge(s, req);
    const dev = await this.storage.getDevice(userId, deviceId);
    if (dev === undefined) throw new ProtocolError(ErrorCode.unknownDevice, `device ${userId}/${deviceId} is not registered`);
    if (!verifyEd25519(dev.publicKey, toBeSigned('login', [challenge, userId, deviceId]), signature)) {
      throw new ProtocolError(ErrorCode.badSignature, 'signature does not verify under the device key');
    }
    s.device = { userId, deviceId };
    return { userId, deviceId };
  }

  private async uploadKeyPackages(me: DeviceRef, req: Json): Promise<Json> {
    const list = req.keyPackages === undefined ? [] : arrayField(req.keyPackages, 'keyPackages', 100);
    const kps = list.map((v, i) => this.keyPackage(v, `keyPackages[${i}]`));
    const lastResort = req.lastResort === undefined ? null : this.keyPackage(req.lastResort, 'lastResort');
    const r = await this.storage.uploadKeyPackages(me, kps, lastResort, this.config.maxKeyPackages, this.now());
    if (!r.ok) {
      throw new ProtocolError(ErrorCode.limitExceeded, `at most ${this.config.maxKeyPackages} KeyPackages may be stored; ${r.remaining} are`, { remaining: r.remaining });
    }
    return { remaining: r.remaining };
  }

  private keyPackage(v: unknown, field: string): Uint8Array {
    const b = b64Field(v, field, this.config.maxMessageBytes, 1);
    if (peek(b, field).wireFormat !== WireFormat.keyPackage) throw new ProtocolError(ErrorCode.badMessage, `${field}: not an MLSMessage carrying a KeyPackage`);
    return b;
  }

  private async claimKeyPackages(req: Json): Promise<Json> {
    const userId = idField(req.userId, 'userId');
    const r = await this.storage.claimKeyPackages(userId);
    if (r.claimed.length === 0 && r.missing.length === 0) throw new ProtocolError(ErrorCode.unknownUser, `user ${userId} does not exist`);
    return {
      keyPackages: r.claimed.map((k) => ({ deviceId: k.deviceId, keyPackage: toB64(k.data), lastResort: k.lastResort })),
      missing: r.missing,
    };
  }

  private groupId(v: unknown): Uint8Array {
    return b64Field(v, 'groupId', MAX_GROUP_ID, 1);
  }

  private groupInfoFor(v: unknown, groupId: Uint8Array, epoch: bigint): Uint8Array {
    const b = b64Field(v, 'groupInfo', this.config.maxMessageBytes, 1);
    const p = peek(b, 'groupInfo');
    if (p.wireFormat !== WireFormat.groupInfo) throw new ProtocolError(ErrorCode.badMessage, 'groupInfo: not an MLSMessage carrying a GroupInfo');
    if (!sameBytes(p.groupId, groupId)) throw new ProtocolError(ErrorCode.badMessage, 'groupInfo: group_id differs from the group');
    if (p.epoch !== epoch) throw new ProtocolError(ErrorCode.badMessage, `groupInfo: epoch ${p.epoch}, expected ${epoch}`);
    return b;
  }

  private async createGroup(me: DeviceRef, req: Json): Promise<Json> {
    const groupId = this.groupId(req.groupId);
    const allowExternalJoin = optBool(req.allowExternalJoin, 'allowExternalJoin');
    const groupInfo = req.groupInfo === undefined ? null : this.groupInfoFor(req.groupInfo, groupId, 0n);
    const r = await this.storage.createGroup(groupId, me, allowExternalJoin, groupInfo, this.now());
    if (r === 'group_exists') throw new ProtocolError(ErrorCode.groupExists, 'a group with this id exists');
    return { groupId: toB64(groupId), epoch: '0' };
  }

  private async commit(s: Session, me: DeviceRef, req: Json): Promise<Json> {
    const data = b64Field(req.commit, 'commit', this.config.maxMessageBytes, 1);
    const p = peek(data, 'commit');
    if (p.wireFormat !== WireFormat.publicMessage && p.wireFormat !== WireFormat.privateMessage) {
      throw new ProtocolError(ErrorCode.badMessage, 'commit: not a PublicMessage or PrivateMessage');
    }
    if (p.contentType !== ContentType.commit) throw new ProtocolError(ErrorCode.wrongContentType, `commit: content type ${p.contentType} is not commit (3)`);
    let external = false;
    if (p.wireFormat === WireFormat.publicMessage) {
      if (p.senderType === SenderType.newMemberCommit) external = true;
      else if (p.senderType !== SenderType.member) throw new ProtocolError(ErrorCode.badMessage, `commit: sender type ${p.senderType} cannot commit`);
    }
    const groupInfo = req.groupInfo === undefined ? null : this.groupInfoFor(req.groupInfo, p.groupId, p.epoch + 1n);
    const welcomes = (req.welcomes === undefined ? [] : arrayField(req.welcomes, 'welcomes', MAX_LIST)).map((w, i) => {
      const o = objField(w, `welcomes[${i}]`);
      const wd = b64Field(o.welcome, `welcomes[${i}].welcome`, this.config.maxMessageBytes, 1);
      if (peek(wd, `welcomes[${i}].welcome`).wireFormat !== WireFormat.welcome) {
        throw new ProtocolError(ErrorCode.badMessage, `welcomes[${i}].welcome: not an MLSMessage carrying a Welcome`);
      }
      const to = arrayField(o.to, `welcomes[${i}].to`, MAX_LIST).map((d, j) => deviceField(d, `welcomes[${i}].to[${j}]`));
      return { data: wd, to };
    });
    const add = (req.add === undefined ? [] : arrayField(req.add, 'add', MAX_LIST)).map((d, i) => deviceField(d, `add[${i}]`));
    const remove = (req.remove === undefined ? [] : arrayField(req.remove, 'remove', MAX_LIST)).map((d, i) => deviceField(d, `remove[${i}]`));

    const now = this.now();
    const r = await this.storage.postCommit({ groupId: p.groupId, epoch: p.epoch, sender: me, external, data, groupInfo, welcomes, add, remove, now });
    if (!r.ok) throw postRefusal(r, 'the group does not allow external joins');
    this.notifier.message({ groupId: p.groupId, seq: r.seq, epoch: p.epoch, kind: 'commit', sender: me, data, createdAt: now }, r.recipients, s);
    for (const w of r.welcomeIds) {
      const src = welcomes.find((x) => x.to.some((t) => t.userId === w.device.userId && t.deviceId === w.device.deviceId));
      if (src !== undefined) this.notifier.welcome(w.device, { id: w.id, groupId: p.groupId, epoch: r.epoch, data: src.data, createdAt: now });
    }
    return { groupId: toB64(p.groupId), seq: r.seq, epoch: r.epoch.toString() };
  }

  private async send(s: Session, me: DeviceRef, req: Json): Promise<Json> {
    const data = b64Field(req.message, 'message', this.config.maxMessageBytes, 1);
    const p = peek(data, 'message');
    if (p.wireFormat !== WireFormat.publicMessage && p.wireFormat !== WireFormat.privateMessage) {
      throw new ProtocolError(ErrorCode.badMessage, 'message: not a PublicMessage or PrivateMessage');
    }
    if (p.contentType === ContentType.commit) throw new ProtocolError(ErrorCode.wrongContentType, 'message: commits are posted with group.commit');
    const kind = p.contentType === ContentType.application ? 'application' : 'proposal';
    const external = p.wireFormat === WireFormat.publicMessage && p.senderType !== SenderType.member;
    if (p.wireFormat === WireFormat.publicMessage && p.senderType === SenderType.newMemberCommit) {
      throw new ProtocolError(ErrorCode.badMessage, 'message: sender type new_member_commit on a proposal');
    }
    const now = this.now();
    const r = await this.storage.appendMessage({ groupId: p.groupId, epoch: p.epoch, kind, sender: me, external, data, pastEpochs: this.config.pastEpochs, now });
    if (!r.ok) throw postRefusal(r, 'the group does not accept proposals from non-members');
    this.notifier.message({ groupId: p.groupId, seq: r.seq, epoch: p.epoch, kind, sender: me, data, createdAt: now }, r.recipients, s);
    return { groupId: toB64(p.groupId), seq: r.seq };
  }

  private async readable(me: DeviceRef, groupId: Uint8Array) {
    const m = await this.storage.getMembership(groupId, me);
    if (m === undefined) {
      if ((await this.storage.getGroup(groupId)) === undefined) throw new ProtocolError(ErrorCode.noGroup, 'no such group');
      throw new ProtocolError(ErrorCode.notMember, 'this device is not a member of the group');
    }
    return m;
  }

  private async fetch(me: DeviceRef, req: Json): Promise<Json> {
    const groupId = this.groupId(req.groupId);
    const m = await this.readable(me, groupId);
    const after = req.after === undefined ? m.acked : intField(req.after, 'after', 0, Number.MAX_SAFE_INTEGER);
    const limit = req.limit === undefined ? this.config.fetchDefaultLimit : intField(req.limit, 'limit', 1, this.config.fetchMaxLimit);
    const rows = await this.storage.fetchMessages(groupId, me, after, limit + 1);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { groupId: toB64(groupId), messages: page.map(messageJson), more, acked: m.acked };
  }

  private async ack(s: Session, me: DeviceRef, req: Json): Promise<Json> {
    const groupId = this.groupId(req.groupId);
    const seq = intField(req.seq, 'seq', 0, Number.MAX_SAFE_INTEGER);
    await this.readable(me, groupId);
    const r = await this.storage.ack(groupId, me, seq);
    if (r === undefined) throw new ProtocolError(ErrorCode.notMember, 'this device is not a member of the group');
    this.notifier.acked(s, groupId, r.acked);
    return { groupId: toB64(groupId), acked: r.acked };
  }

  private async listGroups(me: DeviceRef): Promise<Json> {
    const list = await this.storage.listGroups(me);
    return {
      groups: list.map((g) => ({
        groupId: toB64(g.groupId),
        epoch: g.epoch.toString(),
        lastSeq: g.lastSeq,
        acked: g.acked,
        member: g.leaveSeq === null,
        ...(g.leaveSeq === null ? {} : { leaveSeq: g.leaveSeq }),
      })),
    };
  }

  private async roster(me: DeviceRef, req: Json): Promise<Json> {
    const groupId = this.groupId(req.groupId);
    const m = await this.readable(me, groupId);
    if (m.leaveSeq !== null) throw new ProtocolError(ErrorCode.notMember, 'this device was removed from the group');
    const g = await this.storage.getGroup(groupId);
    return { groupId: toB64(groupId), epoch: (g?.epoch ?? 0n).toString(), devices: await this.storage.listRoster(groupId) };
  }

  private async groupInfo(me: DeviceRef, req: Json): Promise<Json> {
    const groupId = this.groupId(req.groupId);
    const g = await this.storage.getGroup(groupId);
    if (g === undefined) throw new ProtocolError(ErrorCode.noGroup, 'no such group');
    if (!g.allowExternalJoin) {
      const m = await this.storage.getMembership(groupId, me);
      if (m === undefined || m.leaveSeq !== null) throw new ProtocolError(ErrorCode.notMember, 'the group does not allow external joins');
    }
    const gi = await this.storage.getGroupInfo(groupId);
    return { groupId: toB64(groupId), epoch: gi === undefined ? null : gi.epoch.toString(), groupInfo: gi === undefined ? null : toB64(gi.data) };
  }

  private async listWelcomes(me: DeviceRef, req: Json): Promise<Json> {
    const limit = req.limit === undefined ? this.config.fetchDefaultLimit : intField(req.limit, 'limit', 1, this.config.fetchMaxLimit);
    return { welcomes: (await this.storage.listWelcomes(me, limit)).map(welcomeJson) };
  }

  private async ackWelcomes(me: DeviceRef, req: Json): Promise<Json> {
    const ids = arrayField(req.ids, 'ids', MAX_LIST).map((v, i) => intField(v, `ids[${i}]`, 1, Number.MAX_SAFE_INTEGER));
    return { removed: await this.storage.ackWelcomes(me, ids) };
  }
}
