// The delivery service's wire protocol v1 (docs/protocol.md) as TypeScript
// types: every request's parameters and result, every push, the error codes.
// In this API binary values are Uint8Array, epochs bigint (u64 on the wire as
// decimal strings), sequence numbers, counts and times number. Conversion to
// and from JSON happens only in wire.ts / requests.ts / frames.ts.

export const PROTOCOL_VERSION = 1;

/** docs/protocol.md §7. */
export const DS_ERROR_CODES = [
  'bad_frame',
  'unsupported_version',
  'unknown_request',
  'bad_request',
  'bad_message',
  'too_large',
  'rate_limited',
  'not_logged_in',
  'already_logged_in',
  'challenge_invalid',
  'bad_signature',
  'bad_key',
  'user_exists',
  'unknown_user',
  'device_exists',
  'unknown_device',
  'not_authorized',
  'group_exists',
  'no_group',
  'not_member',
  'stale_epoch',
  'wrong_content_type',
  'bad_roster',
  'bad_credential',
  'private_handshake',
  'limit_exceeded',
  'shutting_down',
  'internal',
] as const;
export type DsErrorCode = (typeof DS_ERROR_CODES)[number];

export interface DeviceRef {
  readonly userId: string;
  readonly deviceId: string;
}

export type MessageKind = 'commit' | 'proposal' | 'application';

/** A stored group message: a `message` push, or an element of `group.fetch`. */
export interface DsMessage {
  readonly groupId: Uint8Array;
  readonly seq: number;
  /** The epoch in the message's own bytes. */
  readonly epoch: bigint;
  readonly kind: MessageKind;
  /** The authenticated device that posted it. */
  readonly sender: DeviceRef;
  /** The MLSMessage bytes exactly as posted. */
  readonly message: Uint8Array;
  /** When the server accepted it, ms since the Unix epoch. */
  readonly ts: number;
}

/** A queued Welcome: a `welcome` push, or an element of `welcome.list`. */
export interface DsWelcome {
  /** The server's id for `welcome.ack`. */
  readonly id: number;
  /** The group of the commit it came with (a Welcome carries no clear group id). */
  readonly groupId: Uint8Array;
  /** The epoch the Welcome admits into. */
  readonly epoch: bigint;
  readonly welcome: Uint8Array;
  readonly ts: number;
  /** Revision 2: the device that posted the adding commit (the inviter). */
  readonly sender?: DeviceRef;
}

/** The server stopped pushing this group's messages at `seq`: fetch and ack. */
export interface DsBehind {
  readonly groupId: Uint8Array;
  readonly seq: number;
}

/** The limits the server announces when a connection opens (§6.1). */
export interface DsHello {
  readonly server: string;
  readonly maxFrameBytes: number;
  readonly maxMessageBytes: number;
  readonly ratePerSecond: number;
  readonly rateBurst: number;
  readonly maxQueuedRequests: number;
  readonly maxUnackedPushes: number;
  readonly pastEpochs: number;
  readonly loginTimeoutMs: number;
}

export type DsPush =
  | { readonly push: 'hello'; readonly hello: DsHello }
  | { readonly push: 'message'; readonly message: DsMessage }
  | { readonly push: 'welcome'; readonly welcome: DsWelcome }
  | { readonly push: 'behind'; readonly behind: DsBehind };

// ---------------------------------------------------------------- requests

export interface DsAuthorization {
  /** The existing device of the user that signed `add-device`. */
  readonly deviceId: string;
  readonly signature: Uint8Array;
}

export interface RegisterParams {
  readonly userId: string;
  readonly deviceId: string;
  readonly publicKey: Uint8Array;
  readonly challenge: Uint8Array;
  readonly signature: Uint8Array;
  readonly authorization?: DsAuthorization;
}

export interface LoginParams {
  readonly userId: string;
  readonly deviceId: string;
  readonly challenge: Uint8Array;
  readonly signature: Uint8Array;
}

export interface UploadKeyPackagesParams {
  /** Whole MLSMessages of wire format mls_key_package, at most 100. */
  readonly keyPackages: readonly Uint8Array[];
  /** Replaces the device's last-resort package. */
  readonly lastResort?: Uint8Array;
}

export interface ClaimedKeyPackage {
  readonly deviceId: string;
  readonly keyPackage: Uint8Array;
  readonly lastResort: boolean;
}

export interface CreateGroupParams {
  /** The MLS group id, 1–255 bytes. */
  readonly groupId: Uint8Array;
  readonly allowExternalJoin?: boolean;
  /** An MLSMessage GroupInfo for epoch 0 of this group. */
  readonly groupInfo?: Uint8Array;
}

export interface CommitWelcome {
  readonly welcome: Uint8Array;
  readonly to: readonly DeviceRef[];
}

export interface CommitParams {
  /** MLSMessage (Public or Private) with content type commit. */
  readonly commit: Uint8Array;
  /** GroupInfo for the new epoch. */
  readonly groupInfo?: Uint8Array;
  readonly welcomes?: readonly CommitWelcome[];
  readonly add?: readonly DeviceRef[];
  readonly remove?: readonly DeviceRef[];
}

export interface FetchParams {
  readonly groupId: Uint8Array;
  /** Messages with seq > after; default the device's cursor. */
  readonly after?: number;
  /** 1–500, default 100 on the server. */
  readonly limit?: number;
}

export interface GroupSummary {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly lastSeq: number;
  readonly acked: number;
  readonly member: boolean;
  /** For a removed device: the last seq it may read (the removing commit); null while a member. */
  readonly leaveSeq: number | null;
}

/** A device of a group's tree and where it stands (revision 2, §4.3). */
export type RosterStatus = 'member' | 'invited' | 'declined';

export interface RosterDevice extends DeviceRef {
  /** `invited`: added, not yet accepted; `declined`: a member should commit its removal. Revision 1 servers list members only. */
  readonly status: RosterStatus;
}

export interface RosterParams {
  readonly groupId: Uint8Array;
  /** Revision 2 pages: the last device of the previous page. */
  readonly after?: DeviceRef;
  /** 1–2000, default 1000 on the server. */
  readonly limit?: number;
}

export interface DsRequestMap {
  challenge: { params: Record<string, never>; result: { readonly challenge: Uint8Array; readonly expiresInMs: number } };
  register: { params: RegisterParams; result: DeviceRef };
  login: { params: LoginParams; result: DeviceRef };
  ping: { params: Record<string, never>; result: Record<string, never> };
  'keypackages.upload': { params: UploadKeyPackagesParams; result: { readonly remaining: number } };
  'keypackages.claim': {
    params: { readonly userId: string };
    /**
     * `missing`: devices that got no package (none stored, or withheld).
     * `withheld` (revision 2): those of `missing` whose last-resort package this claimer may not have again yet.
     */
    result: { readonly keyPackages: readonly ClaimedKeyPackage[]; readonly missing: readonly string[]; readonly withheld: readonly string[] };
  };
  'keypackages.count': { params: Record<string, never>; result: { readonly remaining: number; readonly lastResort: boolean } };
  'group.create': { params: CreateGroupParams; result: { readonly groupId: Uint8Array; readonly epoch: bigint } };
  'group.commit': { params: CommitParams; result: { readonly groupId: Uint8Array; readonly seq: number; readonly epoch: bigint } };
  'group.send': { params: { readonly message: Uint8Array }; result: { readonly groupId: Uint8Array; readonly seq: number } };
  'group.fetch': {
    params: FetchParams;
    result: { readonly groupId: Uint8Array; readonly acked: number; readonly more: boolean; readonly messages: readonly DsMessage[] };
  };
  'group.ack': { params: { readonly groupId: Uint8Array; readonly seq: number }; result: { readonly groupId: Uint8Array; readonly acked: number } };
  'group.list': {
    /** Revision 2 pages: `after` is the last group id of the previous page. */
    params: { readonly after?: Uint8Array; readonly limit?: number };
    result: { readonly groups: readonly GroupSummary[]; readonly more: boolean };
  };
  'group.roster': {
    params: RosterParams;
    /** `more`: further devices follow; ask again with `after` = the last device. */
    result: { readonly groupId: Uint8Array; readonly epoch: bigint; readonly devices: readonly RosterDevice[]; readonly more: boolean };
  };
  'group.info': {
    params: { readonly groupId: Uint8Array };
    /** Both null when no GroupInfo was ever posted. */
    result: { readonly groupId: Uint8Array; readonly epoch: bigint | null; readonly groupInfo: Uint8Array | null };
  };
  /** `more` (revision 2): further Welcomes wait that did not fit this page; they come once these are acknowledged or declined. */
  'welcome.list': { params: { readonly limit?: number; /** Only Welcomes with a larger id (the last id of the previous page). */ readonly after?: number }; result: { readonly welcomes: readonly DsWelcome[]; readonly more: boolean } };
  'welcome.ack': { params: { readonly ids: readonly number[] }; result: { readonly removed: number } };
  /** Revision 2: drops the Welcomes and declines their invitations (docs/protocol.md §4.3). */
  'welcome.decline': { params: { readonly ids: readonly number[] }; result: { readonly removed: number } };
}

export type DsRequestType = keyof DsRequestMap;
export type DsParams<T extends DsRequestType> = DsRequestMap[T]['params'];
export type DsResult<T extends DsRequestType> = DsRequestMap[T]['result'];
