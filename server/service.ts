// The delivery service's request handlers, independent of the transport: a
// request object in, a result object out (or a ProtocolError). Group ids,
// epochs and content types come from the MLS bytes (server/mls-peek.ts), never
// from fields the client declares beside them; who is in a group comes from
// the group's MLS tree, which the service follows with the engine's public
// view (server/service-groups.ts).
//
// This file: configuration, sessions, dispatch, and accounts (challenge,
// register, login). KeyPackages: service-keypackages.ts. Groups, messages and
// invitations: service-groups.ts.

import { ChallengeBook, ed25519PublicKey, toBeSigned, verifyEd25519 } from './auth.js';
import { KeyedBuckets, KeyedQuota } from './rate-limit.js';
import { b64Field, ErrorCode, idField, objField, ProtocolError, toB64, type Json } from './protocol.js';
import { PublicStates } from './public-states.js';
import { GroupHandlers } from './service-groups.js';
import { KeyPackageHandlers } from './service-keypackages.js';
import type { DeviceRef, Storage, StoredMessage, WelcomeRecord } from './storage/types.js';
import { maxPayloadBytes } from './json.js';

export { messageJson, welcomeJson } from './json.js';

export interface ServiceConfig {
  /** Frame size limit of the transport: responses are paged to fit it. */
  readonly maxFrameBytes: number;
  /** Largest MLS payload accepted, in bytes (after base64 decoding); at most maxPayloadBytes(maxFrameBytes). */
  readonly maxMessageBytes: number;
  /** Application messages may be for the current epoch or this many before it. */
  readonly pastEpochs: number;
  readonly fetchDefaultLimit: number;
  readonly fetchMaxLimit: number;
  readonly challengeTtlMs: number;
  /** Devices one user may register. */
  readonly maxDevicesPerUser: number;
  /** Cipher suites of KeyPackages and groups (Arbor: 0x0001, whose Ed25519 key is the device key). */
  readonly suites: readonly number[];
  /** KeyPackage directory. */
  readonly keyPackageMaxBytes: number;
  readonly keyPackagesPerUpload: number;
  /** Ordinary KeyPackages stored for one user, all devices together. */
  readonly keyPackagesPerUser: number;
  /** Claims a device may make: a token bucket per claimer, and one per claimed user. */
  readonly claimRatePerClaimer: number;
  readonly claimBurstPerClaimer: number;
  readonly claimRatePerTarget: number;
  readonly claimBurstPerTarget: number;
  /** A device's last-resort package goes to one claimer at most this many times per period. */
  readonly lastResortPerClaimer: number;
  readonly lastResortPeriodMs: number;
  /** Group state bounds. */
  readonly maxPendingProposals: number;
  readonly maxLeafBytes: number;
  readonly maxGroupStateBytes: number;
  readonly maxTreeLeaves: number;
}

const DEFAULT_FRAME = 1024 * 1024;

export const defaultServiceConfig: ServiceConfig = {
  maxFrameBytes: DEFAULT_FRAME,
  maxMessageBytes: maxPayloadBytes(DEFAULT_FRAME),
  pastEpochs: 2,
  fetchDefaultLimit: 100,
  fetchMaxLimit: 500,
  challengeTtlMs: 60_000,
  maxDevicesPerUser: 64,
  suites: [1],
  keyPackageMaxBytes: 4096,
  keyPackagesPerUpload: 100,
  keyPackagesPerUser: 1000,
  claimRatePerClaimer: 1,
  claimBurstPerClaimer: 60,
  claimRatePerTarget: 0.5,
  claimBurstPerTarget: 30,
  lastResortPerClaimer: 3,
  lastResortPeriodMs: 24 * 3600 * 1000,
  maxPendingProposals: 100,
  maxLeafBytes: 16 * 1024,
  maxGroupStateBytes: 64 * 1024 * 1024,
  maxTreeLeaves: 1 << 16,
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

/** What the handler modules share. */
export interface ServiceContext {
  readonly storage: Storage;
  readonly config: ServiceConfig;
  readonly now: () => number;
  readonly notifier: Notifier;
  readonly states: PublicStates;
  readonly claimsByClaimer: KeyedBuckets;
  readonly claimsByTarget: KeyedBuckets;
  readonly lastResort: KeyedQuota;
}

function needDevice(s: Session): DeviceRef {
  if (s.device === null) throw new ProtocolError(ErrorCode.notLoggedIn, 'log in first');
  return s.device;
}

export function checkServiceConfig(c: ServiceConfig): void {
  if (c.maxMessageBytes > maxPayloadBytes(c.maxFrameBytes)) {
    throw new RangeError(`maxMessageBytes ${c.maxMessageBytes} does not fit a frame of ${c.maxFrameBytes} bytes (at most ${maxPayloadBytes(c.maxFrameBytes)})`);
  }
  if (c.suites.length === 0) throw new RangeError('suites: at least one cipher suite');
}

export class DeliveryService {
  private readonly groups: GroupHandlers;
  private readonly keyPackages: KeyPackageHandlers;

  constructor(
    private readonly storage: Storage,
    private readonly config: ServiceConfig,
    private readonly now: () => number,
    notifier: Notifier,
  ) {
    checkServiceConfig(config);
    const ctx: ServiceContext = {
      storage,
      config,
      now,
      notifier,
      states: new PublicStates(),
      claimsByClaimer: new KeyedBuckets(config.claimRatePerClaimer, config.claimBurstPerClaimer),
      claimsByTarget: new KeyedBuckets(config.claimRatePerTarget, config.claimBurstPerTarget),
      lastResort: new KeyedQuota(config.lastResortPerClaimer, config.lastResortPeriodMs),
    };
    this.groups = new GroupHandlers(ctx);
    this.keyPackages = new KeyPackageHandlers(ctx);
  }

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
    const g = this.groups;
    switch (type) {
      case 'ping':
        return {};
      case 'keypackages.upload':
        return this.keyPackages.upload(me, req);
      case 'keypackages.claim':
        return this.keyPackages.claim(me, req);
      case 'keypackages.count':
        return this.keyPackages.count(me);
      case 'group.create':
        return g.create(me, req);
      case 'group.commit':
        return g.commit(s, me, req);
      case 'group.send':
        return g.send(s, me, req);
      case 'group.fetch':
        return g.fetch(me, req);
      case 'group.ack':
        return g.ack(s, me, req);
      case 'group.list':
        return g.list(me, req);
      case 'group.roster':
        return g.roster(me, req);
      case 'group.info':
        return g.info(me, req);
      case 'welcome.list':
        return g.listWelcomes(me, req);
      case 'welcome.ack':
        return g.acceptWelcomes(me, req);
      case 'welcome.decline':
        return g.declineWelcomes(me, req);
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
    const r = await this.storage.registerDevice({ userId, deviceId, publicKey, createdAt: this.now() }, first, this.config.maxDevicesPerUser);
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
      case 'too_many_devices':
        throw new ProtocolError(ErrorCode.limitExceeded, `user ${userId} has ${this.config.maxDevicesPerUser} devices, the most a user may register`);
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
}
