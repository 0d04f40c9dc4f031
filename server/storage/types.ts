// The delivery service's storage, as an interface. Each method is one atomic
// unit of work (one transaction): the SQLite backend runs it synchronously
// inside `db.transaction`, a PostgreSQL backend would run it as one
// transaction with row locks (`SELECT ... FOR UPDATE` on the group row, or a
// conditional `UPDATE groups SET epoch = epoch + 1 WHERE id = $1 AND epoch = $2
// AND state_rev = $3`). Methods return promises so that such a backend fits
// without changing callers. Nothing here names SQLite: ids are strings and byte
// arrays, epochs bigint, sequence numbers and times plain numbers (ms since the
// epoch).
//
// The MLS work (following a group's public state with the engine) happens in
// the service, before the transaction, against a snapshot of the group's
// public state; the transaction then stores the result only if the state is
// still that snapshot's (`expectedRev`), so the state and the commit that
// produced it are always written together.

export interface DeviceRef {
  readonly userId: string;
  readonly deviceId: string;
}

export interface DeviceRecord extends DeviceRef {
  /** Raw 32-byte Ed25519 public key; also the device's MLS signature key. */
  readonly publicKey: Uint8Array;
  readonly createdAt: number;
}

export type MessageKind = 'commit' | 'proposal' | 'application';

export interface StoredMessage {
  readonly groupId: Uint8Array;
  readonly seq: number;
  readonly epoch: bigint;
  readonly kind: MessageKind;
  readonly sender: DeviceRef;
  /** The MLSMessage bytes exactly as posted. */
  readonly data: Uint8Array;
  readonly createdAt: number;
}

export interface GroupRecord {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  /** Sequence number of the last accepted message; 0 before the first. */
  readonly lastSeq: number;
  readonly allowExternalJoin: boolean;
  readonly createdAt: number;
}

/** A group with its public MLS state (main/mls/public), as a commit or proposal needs it. */
export interface GroupStateRecord extends GroupRecord {
  /** publicGroupBytes of the current epoch's public view, pending proposals included. */
  readonly publicState: Uint8Array;
  /** Raised by every change of publicState: the token a later write must present. */
  readonly stateRev: number;
}

/**
 * A device's standing in a group. `invited`: added by a commit, not yet
 * accepted (it gets the Welcome and nothing else); `member`: accepted (or the
 * creator, or an external joiner); `declined`: refused the invitation, still
 * in the MLS tree until a member commits its removal.
 */
export type MemberStatus = 'invited' | 'member' | 'declined';

export interface Membership {
  readonly status: MemberStatus;
  /** First sequence number the device may read. */
  readonly joinSeq: number;
  /** Last sequence number a removed device may read (the commit that removed it); null while in the tree. */
  readonly leaveSeq: number | null;
  /** Highest sequence number the device has acknowledged. */
  readonly acked: number;
  /** A declined device may post one Remove proposal of its own leaf: whether it did. */
  readonly proposalUsed: boolean;
}

export interface GroupSummary extends Membership {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly lastSeq: number;
}

export interface RosterEntry extends DeviceRef {
  readonly status: MemberStatus;
}

export interface WelcomeRecord {
  readonly id: number;
  readonly groupId: Uint8Array;
  /** The epoch the Welcome admits into (the epoch after the commit). */
  readonly epoch: bigint;
  readonly data: Uint8Array;
  /** The authenticated device that posted the commit with this Welcome (the inviter). */
  readonly sender: DeviceRef;
  readonly createdAt: number;
}

export interface ClaimedKeyPackage {
  readonly deviceId: string;
  readonly data: Uint8Array;
  readonly lastResort: boolean;
}

export interface KeyPackageInput {
  readonly data: Uint8Array;
  /** The end of the package's lifetime, seconds since the Unix epoch: pruned after it. */
  readonly notAfter: bigint;
}

export type RegisterResult = 'ok' | 'user_exists' | 'unknown_user' | 'device_exists' | 'too_many_devices';

/** How the poster of a handshake message is allowed in (checked again inside the transaction). */
export type Access =
  /** An accepted member, for its own leaf. */
  | 'member'
  /** A non-member joining (external commit) or proposing (external/new-member proposal): the group must allow external joins. */
  | 'external'
  /** An accepted member rejoining by external commit (RFC 9420 §12.4.3.2 resync): allowed in closed groups too. */
  | 'resync'
  /** A device that declined its invitation, posting its one Remove proposal of its own leaf. */
  | 'declined';

/** Where the new public state goes, and the revision it was computed from. */
export interface StateWrite {
  readonly expectedRev: number;
  readonly publicState: Uint8Array;
}

export interface CommitInput {
  readonly groupId: Uint8Array;
  /** The epoch read from the commit's own bytes. */
  readonly epoch: bigint;
  readonly sender: DeviceRef;
  readonly access: Access;
  readonly data: Uint8Array;
  /** The public state of the new epoch. */
  readonly state: StateWrite;
  readonly groupInfo: Uint8Array | null;
  /** Devices added by Add proposals: invited, reading from the seq after the commit once they accept. */
  readonly invited: readonly DeviceRef[];
  /** The joiner of an external commit that is not a resync: a member at once. */
  readonly joined: readonly DeviceRef[];
  /** Devices whose leaf the commit removes (a resyncing device is neither removed nor joined). */
  readonly removed: readonly DeviceRef[];
  /** Each Welcome and the invited devices it is for (every invited device is in exactly one). */
  readonly welcomes: readonly { readonly data: Uint8Array; readonly to: readonly DeviceRef[] }[];
  readonly now: number;
}

export type PostRefusal =
  | { readonly ok: false; readonly code: 'no_group' | 'not_member' | 'not_authorized' }
  | { readonly ok: false; readonly code: 'stale_epoch'; readonly currentEpoch: bigint }
  /** The public state is no longer the revision the write was computed from (a proposal came in): compute again. */
  | { readonly ok: false; readonly code: 'changed' };

export type CommitResult =
  | {
      readonly ok: true;
      readonly seq: number;
      readonly epoch: bigint;
      /** The queued Welcomes: for each addressee, the Welcome's id and its index in CommitInput.welcomes. */
      readonly welcomeIds: readonly { readonly device: DeviceRef; readonly id: number; readonly index: number }[];
      /** Who reads the commit: the accepted members of the epoch it ends (including removed devices, not added ones). */
      readonly recipients: readonly DeviceRef[];
    }
  | PostRefusal;

export interface AppendInput {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly kind: 'proposal' | 'application';
  readonly sender: DeviceRef;
  readonly access: Exclude<Access, 'resync'>;
  readonly data: Uint8Array;
  /** Proposals change the public state (the pending list); application messages do not. */
  readonly state: StateWrite | null;
  /** Application messages may carry an epoch this many epochs behind the current one; proposals must be current. */
  readonly pastEpochs: number;
  readonly now: number;
}

export type AppendResult = { readonly ok: true; readonly seq: number; /** The accepted members when it was accepted. */ readonly recipients: readonly DeviceRef[] } | PostRefusal;

/** A page of at most `limit` items and about `maxBytes` (each item counts its data length plus `overhead`); never empty when something is there. */
export interface PageLimit {
  readonly limit: number;
  readonly maxBytes: number;
  readonly overhead: number;
}

export interface KeyPackageClaim {
  readonly claimed: ClaimedKeyPackage[];
  /** Devices with no package to hand out. */
  readonly missing: string[];
  /** Devices whose last-resort package was withheld from this claimer (its allowance is used up). */
  readonly withheld: string[];
}

export interface Storage {
  // Devices and users.
  getDevice(userId: string, deviceId: string): Promise<DeviceRecord | undefined>;
  listDevices(userId: string): Promise<DeviceRecord[]>;
  /** `firstDevice`: the user must not exist yet (it is claimed); otherwise it must exist, have fewer than `maxDevices`, and the device id be new. */
  registerDevice(device: DeviceRecord, firstDevice: boolean, maxDevices: number): Promise<RegisterResult>;

  // KeyPackages (validated by the service before they get here).
  /** Adds packages (and replaces the device's last-resort package when given), unless the user's ordinary packages would exceed `maxPerUser`. */
  uploadKeyPackages(device: DeviceRef, packages: readonly KeyPackageInput[], lastResort: KeyPackageInput | null, maxPerUser: number, now: number): Promise<{ ok: boolean; remaining: number; userTotal: number }>;
  /**
   * One package per device of the user, each ordinary package handed out once (expired ones are skipped and deleted);
   * a device's last-resort package when it has none, if `lastResortAllowed(deviceId)`.
   */
  claimKeyPackages(userId: string, nowSeconds: bigint, lastResortAllowed: (deviceId: string) => boolean): Promise<KeyPackageClaim>;
  countKeyPackages(device: DeviceRef, nowSeconds: bigint): Promise<{ remaining: number; lastResort: boolean }>;

  // Groups.
  createGroup(groupId: Uint8Array, creator: DeviceRef, allowExternalJoin: boolean, groupInfo: Uint8Array, publicState: Uint8Array, now: number): Promise<'ok' | 'group_exists'>;
  getGroup(groupId: Uint8Array): Promise<GroupRecord | undefined>;
  getGroupState(groupId: Uint8Array): Promise<GroupStateRecord | undefined>;
  getMembership(groupId: Uint8Array, device: DeviceRef): Promise<Membership | undefined>;
  /** The devices in the group's tree (not removed ones), with their status, ordered by user and device, from `after` (exclusive), at most `limit`. */
  listRoster(groupId: Uint8Array, after: DeviceRef | null, limit: number): Promise<RosterEntry[]>;
  /** Groups the device has accepted, or was removed from with messages it has not acknowledged; group id order, after `after`, at most `limit`. */
  listGroups(device: DeviceRef, after: Uint8Array | null, limit: number): Promise<GroupSummary[]>;
  getGroupInfo(groupId: Uint8Array): Promise<{ epoch: bigint; data: Uint8Array } | undefined>;

  // Messages.
  postCommit(input: CommitInput): Promise<CommitResult>;
  appendMessage(input: AppendInput): Promise<AppendResult>;
  /** Messages with seq > after inside the device's window, oldest first, one page. */
  fetchMessages(groupId: Uint8Array, device: DeviceRef, after: number, page: PageLimit): Promise<{ messages: StoredMessage[]; more: boolean }>;
  /** Raises the device's cursor to `seq` (never lowers it) and deletes what every reader has acknowledged. */
  ack(groupId: Uint8Array, device: DeviceRef, seq: number): Promise<{ acked: number } | undefined>;

  // Welcomes (invitations).
  /** The device's queued Welcomes with id > `after` (default 0), oldest first, one page. */
  listWelcomes(device: DeviceRef, page: PageLimit, after?: number): Promise<{ welcomes: WelcomeRecord[]; more: boolean }>;
  /** Accepts: drops the Welcomes from the device's queue; an invitation they carry makes the device a member. */
  ackWelcomes(device: DeviceRef, ids: readonly number[]): Promise<{ removed: number; accepted: Uint8Array[] }>;
  /** Declines: drops the Welcomes; an invitation they carry becomes `declined` (no reading, one Remove proposal). */
  declineWelcomes(device: DeviceRef, ids: readonly number[]): Promise<{ removed: number; declined: Uint8Array[] }>;

  /** Deletes messages and Welcomes created before `cutoff`, expired KeyPackages, and memberships of removed devices with nothing left to read. */
  purgeExpired(cutoff: number, nowSeconds: bigint): Promise<{ messages: number; welcomes: number; keyPackages: number }>;

  close(): Promise<void>;
}
