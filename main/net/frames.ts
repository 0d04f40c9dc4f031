// Strict decoding of one server frame (a JSON text frame, docs/protocol.md §2)
// into a push, a response or a refusal. What cannot be read at all throws
// DsProtocolError; a response whose id can be read but whose envelope is wrong
// is returned as `bad-response`, so the request it answers fails with that
// error instead of waiting for its timeout.
//
// Members v1 does not define are ignored: results are built field by field,
// so nothing unchecked reaches the caller, and a newer server may add fields.
//
// A frame with a `push` member is a push even when it also has an `id`: the
// `welcome` push carries the Welcome's own `id` (§6.3), so `id` alone does not
// make a response.

import { DsProtocolError, type DsRequestErrorExtra } from './errors.js';
import { DS_ERROR_CODES, PROTOCOL_VERSION, type DsBehind, type DsErrorCode, type DsHello, type DsMessage, type DsPush, type DsWelcome, type MessageKind } from './protocol-types.js';
import { MAX_REASON_CHARS, readArray, readBytes, readDevice, readEpoch, readGroupId, readInt, readObject, readString, type Json } from './wire.js';

export type ResponseId = number | string | null;

export type ServerFrame =
  | { readonly kind: 'push'; readonly push: DsPush }
  /** A push kind protocol v1 does not define: ignored, so a newer server's additions do not break the client. */
  | { readonly kind: 'unknown-push'; readonly name: string }
  | { readonly kind: 'response'; readonly id: ResponseId; readonly body: Json }
  | { readonly kind: 'refusal'; readonly id: ResponseId; readonly code: DsErrorCode; readonly reason: string; readonly extra: DsRequestErrorExtra }
  | { readonly kind: 'bad-response'; readonly id: ResponseId; readonly error: DsProtocolError };

const KNOWN_CODES: ReadonlySet<string> = new Set(DS_ERROR_CODES);
const KINDS: ReadonlySet<string> = new Set<MessageKind>(['commit', 'proposal', 'application']);

export function parseServerFrame(text: string): ServerFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DsProtocolError(`frame: not JSON (${(err as Error).message.slice(0, 100)})`);
  }
  const f = readObject(parsed, 'frame');
  if (f.push !== undefined) return parsePush(f);
  if (!('id' in f)) throw new DsProtocolError('frame: neither a push nor a response (no push, no id)');
  const id = f.id;
  if (!(id === null || (typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && id.length <= 64))) {
    throw new DsProtocolError('frame.id: expected a safe integer, a string of at most 64 characters, or null');
  }
  try {
    if (f.v !== PROTOCOL_VERSION) throw new DsProtocolError(`response.v: expected ${PROTOCOL_VERSION}`);
    if (f.ok === true) return { kind: 'response', id, body: f };
    if (f.ok !== false) throw new DsProtocolError('response.ok: expected a boolean');
    return parseRefusal(f, id);
  } catch (err) {
    if (err instanceof DsProtocolError) return { kind: 'bad-response', id, error: err };
    throw err;
  }
}

function parseRefusal(f: Json, id: ResponseId): ServerFrame {
  const code = readString(f.error, 'response.error', 64);
  if (!KNOWN_CODES.has(code)) throw new DsProtocolError(`response.error: unknown error code ${JSON.stringify(code)}`);
  if (typeof f.reason !== 'string') throw new DsProtocolError('response.reason: expected a string');
  const reason = f.reason.length > MAX_REASON_CHARS ? `${f.reason.slice(0, MAX_REASON_CHARS)}…` : f.reason;
  let extra: DsRequestErrorExtra = {};
  // The extra fields §2 promises with these codes; a refusal without them is malformed.
  if (code === 'stale_epoch') extra = { epoch: readEpoch(f.epoch, 'response.epoch') };
  // `remaining` comes with the KeyPackage quota only, not with the device or pending-proposal limits.
  else if (code === 'limit_exceeded') extra = f.remaining === undefined ? {} : { remaining: readInt(f.remaining, 'response.remaining', 0) };
  else if (code === 'rate_limited' && f.retryAfterMs !== undefined) extra = { retryAfterMs: readInt(f.retryAfterMs, 'response.retryAfterMs', 0) };
  else if (code === 'unsupported_version') {
    extra = { supported: readArray(f.supported, 'response.supported', 100).map((v, i) => readInt(v, `response.supported[${i}]`, 0)) };
  }
  return { kind: 'refusal', id, code: code as DsErrorCode, reason, extra };
}

function parsePush(f: Json): ServerFrame {
  const name = readString(f.push, 'push', 64);
  if (f.v !== PROTOCOL_VERSION) throw new DsProtocolError(`push ${name}: v: expected ${PROTOCOL_VERSION}`);
  switch (name) {
    case 'hello':
      return { kind: 'push', push: { push: 'hello', hello: readHello(f) } };
    case 'message':
      return { kind: 'push', push: { push: 'message', message: readMessage(f, 'push message') } };
    case 'welcome':
      return { kind: 'push', push: { push: 'welcome', welcome: readWelcome(f, 'push welcome') } };
    case 'behind':
      return { kind: 'push', push: { push: 'behind', behind: readBehind(f) } };
    default:
      return { kind: 'unknown-push', name };
  }
}

function readHello(f: Json): DsHello {
  const p = 'push hello';
  const hello: DsHello = {
    server: readString(f.server, `${p}.server`, 200),
    // The server refuses --max-frame below 1024; a smaller limit could not carry a login.
    maxFrameBytes: readInt(f.maxFrameBytes, `${p}.maxFrameBytes`, 1024),
    maxMessageBytes: readInt(f.maxMessageBytes, `${p}.maxMessageBytes`, 1),
    ratePerSecond: readInt(f.ratePerSecond, `${p}.ratePerSecond`, 1),
    rateBurst: readInt(f.rateBurst, `${p}.rateBurst`, 1),
    maxQueuedRequests: readInt(f.maxQueuedRequests, `${p}.maxQueuedRequests`, 1),
    maxUnackedPushes: readInt(f.maxUnackedPushes, `${p}.maxUnackedPushes`, 1),
    pastEpochs: readInt(f.pastEpochs, `${p}.pastEpochs`, 0),
    loginTimeoutMs: readInt(f.loginTimeoutMs, `${p}.loginTimeoutMs`, 1),
  };
  if (hello.server !== 'arbor-ds') throw new DsProtocolError(`${p}.server: ${JSON.stringify(hello.server.slice(0, 40))} is not an Arbor delivery service`);
  return hello;
}

/** A message object (§5.11, §6.2). */
export function readMessage(v: unknown, path: string): DsMessage {
  const o = readObject(v, path);
  const kind = readString(o.kind, `${path}.kind`, 20);
  if (!KINDS.has(kind)) throw new DsProtocolError(`${path}.kind: ${JSON.stringify(kind)} is not commit, proposal or application`);
  return {
    groupId: readGroupId(o.groupId, `${path}.groupId`),
    seq: readInt(o.seq, `${path}.seq`, 1),
    epoch: readEpoch(o.epoch, `${path}.epoch`),
    kind: kind as MessageKind,
    sender: readDevice(o.sender, `${path}.sender`),
    message: readBytes(o.message, `${path}.message`, 1),
    ts: readInt(o.ts, `${path}.ts`, 0),
  };
}

/** A Welcome object (§5.16, §6.3). */
export function readWelcome(v: unknown, path: string): DsWelcome {
  const o = readObject(v, path);
  return {
    id: readInt(o.id, `${path}.id`, 1),
    groupId: readGroupId(o.groupId, `${path}.groupId`),
    epoch: readEpoch(o.epoch, `${path}.epoch`),
    welcome: readBytes(o.welcome, `${path}.welcome`, 1),
    ts: readInt(o.ts, `${path}.ts`, 0),
    ...(o.sender !== undefined ? { sender: readDevice(o.sender, `${path}.sender`) } : {}),
  };
}

function readBehind(f: Json): DsBehind {
  return { groupId: readGroupId(f.groupId, 'push behind.groupId'), seq: readInt(f.seq, 'push behind.seq', 1) };
}
