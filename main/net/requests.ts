// One entry per request of protocol v1 (docs/protocol.md §5): how its
// parameters become JSON (with argument guards), how its `ok` response is read
// back strictly, and whether repeating it is harmless.
//
// Decoders also check the response against the request where the protocol
// ties them (the group id echoed back, fetched seqs above `after`, no more
// items than the limit): a server that answers another question than the one
// asked is as wrong as one that sends malformed JSON.

import { DsArgumentError, DsProtocolError } from './errors.js';
import type { DeviceRef, DsMessage, DsParams, DsRequestType, DsResult, GroupSummary, RosterDevice, RosterStatus } from './protocol-types.js';
import { readMessage, readWelcome } from './frames.js';
import {
  argArray,
  argBool,
  argBytes,
  argDevice,
  argId,
  argInt,
  argObject,
  readArray,
  readBool,
  readBytes,
  readDevice,
  readEpoch,
  readGroupId,
  readId,
  readInt,
  readObject,
  readString,
  sameBytes,
  type Json,
} from './wire.js';

/** Largest page of `group.fetch`, `welcome.list` and `group.list` (§5.11, §5.13, §8). */
export const MAX_PAGE = 500;
/** Largest page of `group.roster` (§5.14). */
export const MAX_ROSTER_PAGE = 2000;
const ROSTER_STATUSES: ReadonlySet<string> = new Set<RosterStatus>(['member', 'invited', 'declined']);
/** KeyPackages per upload (§5.5). */
export const MAX_KEY_PACKAGES_PER_UPLOAD = 100;
/** Entries of each list in `group.commit` (§8). */
export const MAX_COMMIT_LIST = 1000;
/** Group ids are 1–255 bytes (§5.8). */
export const MAX_GROUP_ID_BYTES = 255;

export interface RequestSpec<T extends DsRequestType> {
  /**
   * True when executing the request twice has the effect of executing it once
   * (reads, and acks that only raise a cursor): the client may resend it after
   * a lost connection. Posting, claiming and uploading are not.
   */
  readonly idempotent: boolean;
  /** The request's fields (without v, id, type); throws DsArgumentError. */
  encode(params: DsParams<T>): Json;
  /** The fields of an `ok: true` response; throws DsProtocolError. */
  decode(body: Json, params: DsParams<T>): DsResult<T>;
}

const groupIdArg = (v: unknown): string => argBytes(v, 'groupId', 1, MAX_GROUP_ID_BYTES);
const bytesArg = (v: unknown, name: string): string => argBytes(v, name, 1);

function echoedGroup(body: Json, type: string, asked: Uint8Array): Uint8Array {
  const g = readGroupId(body.groupId, `${type}.groupId`);
  if (!sameBytes(g, asked)) throw new DsProtocolError(`${type}.groupId: the response names another group than the request`);
  return g;
}

function echoedDevice(body: Json, type: string, asked: DeviceRef): DeviceRef {
  const userId = readId(body.userId, `${type}.userId`);
  const deviceId = readId(body.deviceId, `${type}.deviceId`);
  if (userId !== asked.userId || deviceId !== asked.deviceId) throw new DsProtocolError(`${type}: logged in as ${userId}/${deviceId}, not the device asked for`);
  return { userId, deviceId };
}

const devices = (v: unknown, name: string): DeviceRef[] => argArray(v, name, MAX_COMMIT_LIST).map((d, i) => argDevice(d, `${name}[${i}]`));

type Specs = { readonly [T in DsRequestType]: RequestSpec<T> };

export const REQUESTS: Specs = {
  challenge: {
    idempotent: true,
    encode: () => ({}),
    decode: (b) => ({ challenge: readBytes(b.challenge, 'challenge.challenge', 32, 32), expiresInMs: readInt(b.expiresInMs, 'challenge.expiresInMs', 0) }),
  },

  register: {
    idempotent: false,
    encode(p) {
      const out: Json = {
        userId: argId(p.userId, 'userId'),
        deviceId: argId(p.deviceId, 'deviceId'),
        publicKey: argBytes(p.publicKey, 'publicKey', 1, 64),
        challenge: argBytes(p.challenge, 'challenge', 1, 64),
        signature: argBytes(p.signature, 'signature', 1, 128),
      };
      if (p.authorization !== undefined) {
        const a = argObject(p.authorization, 'authorization');
        out.authorization = { deviceId: argId(a.deviceId, 'authorization.deviceId'), signature: argBytes(a.signature, 'authorization.signature', 1, 128) };
      }
      return out;
    },
    decode: (b, p) => echoedDevice(b, 'register', p),
  },

  login: {
    idempotent: false,
    encode: (p) => ({
      userId: argId(p.userId, 'userId'),
      deviceId: argId(p.deviceId, 'deviceId'),
      challenge: argBytes(p.challenge, 'challenge', 1, 64),
      signature: argBytes(p.signature, 'signature', 1, 128),
    }),
    decode: (b, p) => echoedDevice(b, 'login', p),
  },

  ping: { idempotent: true, encode: () => ({}), decode: () => ({}) },

  'keypackages.upload': {
    idempotent: false,
    encode(p) {
      const out: Json = { keyPackages: argArray(p.keyPackages, 'keyPackages', MAX_KEY_PACKAGES_PER_UPLOAD).map((k, i) => bytesArg(k, `keyPackages[${i}]`)) };
      if (p.lastResort !== undefined) out.lastResort = bytesArg(p.lastResort, 'lastResort');
      return out;
    },
    decode: (b) => ({ remaining: readInt(b.remaining, 'keypackages.upload.remaining', 0) }),
  },

  'keypackages.claim': {
    idempotent: false,
    encode: (p) => ({ userId: argId(p.userId, 'userId') }),
    decode(b) {
      const t = 'keypackages.claim';
      const keyPackages = readArray(b.keyPackages, `${t}.keyPackages`).map((v, i) => {
        const path = `${t}.keyPackages[${i}]`;
        const o = readObject(v, path);
        return { deviceId: readId(o.deviceId, `${path}.deviceId`), keyPackage: readBytes(o.keyPackage, `${path}.keyPackage`, 1), lastResort: readBool(o.lastResort, `${path}.lastResort`) };
      });
      const missing = readArray(b.missing, `${t}.missing`).map((v, i) => readId(v, `${t}.missing[${i}]`));
      const withheld = b.withheld === undefined ? [] : readArray(b.withheld, `${t}.withheld`).map((v, i) => readId(v, `${t}.withheld[${i}]`));
      // Every device once: it got a package or it is missing. A withheld device got none,
      // so it is also in `missing` (§5.6); `withheld` says why.
      const seen = new Set<string>();
      for (const d of [...keyPackages.map((k) => k.deviceId), ...missing]) {
        if (seen.has(d)) throw new DsProtocolError(`${t}: device ${d} listed twice`);
        seen.add(d);
      }
      const missingSet = new Set(missing);
      const withheldSet = new Set<string>();
      for (const d of withheld) {
        if (withheldSet.has(d)) throw new DsProtocolError(`${t}.withheld: device ${d} listed twice`);
        if (!missingSet.has(d)) throw new DsProtocolError(`${t}.withheld: device ${d} is not in missing`);
        withheldSet.add(d);
      }
      return { keyPackages, missing, withheld };
    },
  },

  'keypackages.count': {
    idempotent: true,
    encode: () => ({}),
    decode: (b) => ({ remaining: readInt(b.remaining, 'keypackages.count.remaining', 0), lastResort: readBool(b.lastResort, 'keypackages.count.lastResort') }),
  },

  'group.create': {
    idempotent: false,
    encode(p) {
      const out: Json = { groupId: groupIdArg(p.groupId) };
      if (p.allowExternalJoin !== undefined) out.allowExternalJoin = argBool(p.allowExternalJoin, 'allowExternalJoin');
      if (p.groupInfo !== undefined) out.groupInfo = bytesArg(p.groupInfo, 'groupInfo');
      return out;
    },
    decode(b, p) {
      const epoch = readEpoch(b.epoch, 'group.create.epoch');
      if (epoch !== 0n) throw new DsProtocolError(`group.create.epoch: a new group is at epoch 0, not ${epoch}`);
      return { groupId: echoedGroup(b, 'group.create', p.groupId), epoch };
    },
  },

  'group.commit': {
    idempotent: false,
    encode(p) {
      const out: Json = { commit: bytesArg(p.commit, 'commit') };
      if (p.groupInfo !== undefined) out.groupInfo = bytesArg(p.groupInfo, 'groupInfo');
      if (p.welcomes !== undefined) {
        out.welcomes = argArray(p.welcomes, 'welcomes', MAX_COMMIT_LIST).map((w, i) => {
          const o = argObject(w, `welcomes[${i}]`);
          return { welcome: bytesArg(o.welcome, `welcomes[${i}].welcome`), to: devices(o.to, `welcomes[${i}].to`) };
        });
      }
      if (p.add !== undefined) out.add = devices(p.add, 'add');
      if (p.remove !== undefined) out.remove = devices(p.remove, 'remove');
      return out;
    },
    decode(b) {
      // The group's new epoch: at least 1, since a commit ends some epoch.
      const epoch = readEpoch(b.epoch, 'group.commit.epoch');
      if (epoch === 0n) throw new DsProtocolError('group.commit.epoch: 0 cannot follow a commit');
      return { groupId: readGroupId(b.groupId, 'group.commit.groupId'), seq: readInt(b.seq, 'group.commit.seq', 1), epoch };
    },
  },

  'group.send': {
    idempotent: false,
    encode: (p) => ({ message: bytesArg(p.message, 'message') }),
    decode: (b) => ({ groupId: readGroupId(b.groupId, 'group.send.groupId'), seq: readInt(b.seq, 'group.send.seq', 1) }),
  },

  'group.fetch': {
    idempotent: true,
    encode(p) {
      const out: Json = { groupId: groupIdArg(p.groupId) };
      if (p.after !== undefined) out.after = argInt(p.after, 'after', 0);
      if (p.limit !== undefined) out.limit = argInt(p.limit, 'limit', 1, MAX_PAGE);
      return out;
    },
    decode(b, p) {
      const t = 'group.fetch';
      const groupId = echoedGroup(b, t, p.groupId);
      const acked = readInt(b.acked, `${t}.acked`, 0);
      const more = readBool(b.more, `${t}.more`);
      const raw = readArray(b.messages, `${t}.messages`, p.limit ?? MAX_PAGE);
      const messages: DsMessage[] = [];
      // Without `after` the server reads from the cursor it reports as `acked`.
      let last = p.after ?? acked;
      for (const [i, v] of raw.entries()) {
        const m = readMessage(v, `${t}.messages[${i}]`);
        if (!sameBytes(m.groupId, groupId)) throw new DsProtocolError(`${t}.messages[${i}].groupId: another group`);
        if (m.seq <= last) throw new DsProtocolError(`${t}.messages[${i}].seq: ${m.seq} does not follow ${last}`);
        last = m.seq;
        messages.push(m);
      }
      // `more` with an empty page would send a catch-up loop round forever.
      if (more && messages.length === 0) throw new DsProtocolError(`${t}.more: true with no messages`);
      return { groupId, acked, more, messages };
    },
  },

  'group.ack': {
    idempotent: true,
    encode: (p) => ({ groupId: groupIdArg(p.groupId), seq: argInt(p.seq, 'seq', 0) }),
    decode: (b, p) => ({ groupId: echoedGroup(b, 'group.ack', p.groupId), acked: readInt(b.acked, 'group.ack.acked', 0) }),
  },

  'group.list': {
    idempotent: true,
    encode: (p) => ({
      ...(p.after !== undefined ? { after: argBytes(p.after, 'after', 1, MAX_GROUP_ID_BYTES) } : {}),
      ...(p.limit !== undefined ? { limit: argInt(p.limit, 'limit', 1, MAX_PAGE) } : {}),
    }),
    decode(b, p) {
      const t = 'group.list';
      const groups = readArray(b.groups, `${t}.groups`, p.limit ?? MAX_PAGE).map((v, i): GroupSummary => {
        const path = `${t}.groups[${i}]`;
        const o = readObject(v, path);
        const member = readBool(o.member, `${path}.member`);
        // §5.13: `leaveSeq` comes exactly with `member: false`.
        if (member && o.leaveSeq !== undefined) throw new DsProtocolError(`${path}.leaveSeq: present for a member`);
        return {
          groupId: readGroupId(o.groupId, `${path}.groupId`),
          epoch: readEpoch(o.epoch, `${path}.epoch`),
          lastSeq: readInt(o.lastSeq, `${path}.lastSeq`, 0),
          acked: readInt(o.acked, `${path}.acked`, 0),
          member,
          leaveSeq: member ? null : readInt(o.leaveSeq, `${path}.leaveSeq`, 1),
        };
      });
      // Revision 1 servers send no `more`: one page holds everything.
      const more = b.more === undefined ? false : readBool(b.more, `${t}.more`);
      // `after` is the last group of a page: `more` with an empty page would page forever.
      if (more && groups.length === 0) throw new DsProtocolError(`${t}.more: true with no groups`);
      return { groups, more };
    },
  },

  'group.roster': {
    idempotent: true,
    encode(p) {
      const out: Json = { groupId: groupIdArg(p.groupId) };
      if (p.after !== undefined) out.after = argDevice(p.after, 'after');
      if (p.limit !== undefined) out.limit = argInt(p.limit, 'limit', 1, MAX_ROSTER_PAGE);
      return out;
    },
    decode(b, p) {
      const t = 'group.roster';
      const devices = readArray(b.devices, `${t}.devices`, p.limit ?? MAX_ROSTER_PAGE).map((v, i): RosterDevice => {
        const path = `${t}.devices[${i}]`;
        const d = readDevice(v, path);
        // Revision 1 servers list members only, without a status.
        const status = (v as Json).status === undefined ? 'member' : readString((v as Json).status, `${path}.status`, 20);
        if (!ROSTER_STATUSES.has(status)) throw new DsProtocolError(`${path}.status: ${JSON.stringify(status)} is not member, invited or declined`);
        return { ...d, status: status as RosterStatus };
      });
      const more = b.more === undefined ? false : readBool(b.more, `${t}.more`);
      if (more && devices.length === 0) throw new DsProtocolError(`${t}.more: true with no devices`);
      return { groupId: echoedGroup(b, t, p.groupId), epoch: readEpoch(b.epoch, `${t}.epoch`), devices, more };
    },
  },

  'group.info': {
    idempotent: true,
    encode: (p) => ({ groupId: groupIdArg(p.groupId) }),
    decode(b, p) {
      const t = 'group.info';
      const groupId = echoedGroup(b, t, p.groupId);
      if ((b.epoch === null) !== (b.groupInfo === null)) throw new DsProtocolError(`${t}: epoch and groupInfo must both be null or both be set`);
      if (b.epoch === null) return { groupId, epoch: null, groupInfo: null };
      return { groupId, epoch: readEpoch(b.epoch, `${t}.epoch`), groupInfo: readBytes(b.groupInfo, `${t}.groupInfo`, 1) };
    },
  },

  'welcome.list': {
    idempotent: true,
    encode: (p) => ({
      ...(p.limit === undefined ? {} : { limit: argInt(p.limit, 'limit', 1, MAX_PAGE) }),
      ...(p.after === undefined ? {} : { after: argInt(p.after, 'after', 0) }),
    }),
    decode(b, p) {
      const t = 'welcome.list';
      const welcomes = readArray(b.welcomes, `${t}.welcomes`, p.limit ?? MAX_PAGE).map((w, i) => readWelcome(w, `${t}.welcomes[${i}]`));
      // Revision 1 servers send no `more`.
      const more = b.more === undefined ? false : readBool(b.more, `${t}.more`);
      if (more && welcomes.length === 0) throw new DsProtocolError(`${t}.more: true with no welcomes`);
      return { welcomes, more };
    },
  },

  'welcome.ack': {
    idempotent: true,
    encode: (p) => ({ ids: argArray(p.ids, 'ids', MAX_COMMIT_LIST).map((v, i) => argInt(v, `ids[${i}]`, 1)) }),
    decode: (b, p) => ({ removed: readInt(b.removed, 'welcome.ack.removed', 0, p.ids.length) }),
  },

  'welcome.decline': {
    idempotent: true,
    encode: (p) => ({ ids: argArray(p.ids, 'ids', MAX_COMMIT_LIST).map((v, i) => argInt(v, `ids[${i}]`, 1)) }),
    decode: (b, p) => ({ removed: readInt(b.removed, 'welcome.decline.removed', 0, p.ids.length) }),
  },
};

/** A request checked and encoded once, ready to be sent on any connection. */
export interface PreparedRequest<T extends DsRequestType> {
  readonly type: T;
  readonly params: DsParams<T>;
  readonly fields: Json;
  readonly idempotent: boolean;
}

/** Checks and encodes a request's parameters; throws DsArgumentError. */
export function prepareRequest<T extends DsRequestType>(type: T, params: DsParams<T>): PreparedRequest<T> {
  // hasOwn: `toString` and friends are not request types.
  if (typeof type !== 'string' || !Object.hasOwn(REQUESTS, type)) throw new DsArgumentError(`unknown request type ${String(type)}`);
  argObject(params, `${type} parameters`);
  const spec = REQUESTS[type] as RequestSpec<T>;
  return { type, params, fields: spec.encode(params), idempotent: spec.idempotent };
}

/** Reads an `ok: true` response to a prepared request; throws DsProtocolError. */
export function decodeResult<T extends DsRequestType>(req: PreparedRequest<T>, body: Json): DsResult<T> {
  return (REQUESTS[req.type] as RequestSpec<T>).decode(body, req.params);
}

