// The delivery service's storage, as an interface. Each method is one atomic
// unit of work (one transaction): the SQLite backend runs it synchronously
// inside `db.transaction`, a PostgreSQL backend would run it as one
// transaction with row locks (`SELECT ... FOR UPDATE` on the group row, or a
// conditional `UPDATE groups SET epoch = epoch + 1 WHERE id = $1 AND epoch = $2`).
// Methods return promises so that such a backend fits without changing callers.
// Nothing here names SQLite: ids are strings and byte arrays, epochs bigint,
// sequence numbers and times plain numbers (ms since the epoch).

export interface DeviceRef {
  readonly userId: string;
  readonly deviceId: string;
}

export interface DeviceRecord extends DeviceRef {
  /** Raw 32-byte Ed25519 public key. */
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

export interface Membership {
  /** First sequence number the device may read. */
  readonly joinSeq: number;
  /** Last sequence number a removed device may read (the commit that removed it); null while a member. */
  readonly leaveSeq: number | null;
  /** Highest sequence number the device has acknowledged. */
  readonly acked: number;
}

export interface GroupSummary extends Membership {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly lastSeq: number;
}

export interface WelcomeRecord {
  readonly id: number;
  readonly groupId: Uint8Array;
  /** The epoch the Welcome admits into (the epoch after the commit). */
  readonly epoch: bigint;
  readonly data: Uint8Array;
  readonly createdAt: number;
}

export interface ClaimedKeyPackage {
  readonly deviceId: string;
  readonly data: Uint8Array;
  readonly lastResort: boolean;
}

export type RegisterResult = 'ok' | 'user_exists' | 'unknown_user' | 'device_exists';

export interface CommitInput {
  readonly groupId: Uint8Array;
  /** The epoch read from the commit's own bytes. */
  readonly epoch: bigint;
  readonly sender: DeviceRef;
  /** True for an external commit (sender_type new_member_commit): the sender joins by it. */
  readonly external: boolean;
  readonly data: Uint8Array;
  readonly groupInfo: Uint8Array | null;
  readonly welcomes: readonly { readonly data: Uint8Array; readonly to: readonly DeviceRef[] }[];
  readonly add: readonly DeviceRef[];
  readonly remove: readonly DeviceRef[];
  readonly now: number;
}

export type CommitResult =
  | {
      readonly ok: true;
      readonly seq: number;
      readonly epoch: bigint;
      readonly welcomeIds: readonly { readonly device: DeviceRef; readonly id: number }[];
      /** Who reads the commit: the members of the epoch it ends (including removed devices, not added ones). */
      readonly recipients: readonly DeviceRef[];
    }
  | { readonly ok: false; readonly code: 'no_group' | 'not_member' | 'not_authorized' }
  | { readonly ok: false; readonly code: 'stale_epoch'; readonly currentEpoch: bigint }
  | { readonly ok: false; readonly code: 'bad_roster'; readonly reason: string };

export interface AppendInput {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly kind: 'proposal' | 'application';
  readonly sender: DeviceRef;
  /** A non-member proposal (sender_type new_member_proposal / external), allowed only when the group allows external joins. */
  readonly external: boolean;
  readonly data: Uint8Array;
  /** Application messages may carry an epoch this many epochs behind the current one; proposals must be current. */
  readonly pastEpochs: number;
  readonly now: number;
}

export type AppendResult =
  | { readonly ok: true; readonly seq: number; /** The members when it was accepted. */ readonly recipients: readonly DeviceRef[] }
  | { readonly ok: false; readonly code: 'no_group' | 'not_member' | 'not_authorized' }
  | { readonly ok: false; readonly code: 'stale_epoch'; readonly currentEpoch: bigint };

export interface Storage {
  // Devices and users.
  getDevice(userId: string, deviceId: string): Promise<DeviceRecord | undefined>;
  listDevices(userId: string): Promise<DeviceRecord[]>;
  /** `firstDevice`: the user must not exist yet (it is claimed); otherwise it must exist and the device id be new. */
  registerDevice(device: DeviceRecord, firstDevice: boolean): Promise<RegisterResult>;

  // KeyPackages.
  /** Adds packages (and replaces the device's last-resort package when given); returns how many non-last-resort remain. */
  uploadKeyPackages(device: DeviceRef, packages: readonly Uint8Array[], lastResort: Uint8Array | null, maxStored: number, now: number): Promise<{ ok: true; remaining: number } | { ok: false; remaining: number }>;
  /** One package per device of the user, each ordinary package handed out once; the last-resort one when none is left. */
  claimKeyPackages(userId: string): Promise<{ claimed: ClaimedKeyPackage[]; missing: string[] }>;
  countKeyPackages(device: DeviceRef): Promise<{ remaining: number; lastResort: boolean }>;

  // Groups.
  createGroup(groupId: Uint8Array, creator: DeviceRef, allowExternalJoin: boolean, groupInfo: Uint8Array | null, now: number): Promise<'ok' | 'group_exists'>;
  getGroup(groupId: Uint8Array): Promise<GroupRecord | undefined>;
  getMembership(groupId: Uint8Array, device: DeviceRef): Promise<Membership | undefined>;
  /** Current member devices. */
  listRoster(groupId: Uint8Array): Promise<DeviceRef[]>;
  /** Groups the device is in, or was removed from with messages it has not acknowledged. */
  listGroups(device: DeviceRef): Promise<GroupSummary[]>;
  getGroupInfo(groupId: Uint8Array): Promise<{ epoch: bigint; data: Uint8Array } | undefined>;

  // Messages.
  postCommit(input: CommitInput): Promise<CommitResult>;
  appendMessage(input: AppendInput): Promise<AppendResult>;
  /** Messages with seq > after inside the device's window, oldest first, at most `limit`. */
  fetchMessages(groupId: Uint8Array, device: DeviceRef, after: number, limit: number): Promise<StoredMessage[]>;
  /** Raises the device's cursor to `seq` (never lowers it) and deletes what every member has acknowledged. */
  ack(groupId: Uint8Array, device: DeviceRef, seq: number): Promise<{ acked: number } | undefined>;

  // Welcomes.
  listWelcomes(device: DeviceRef, limit: number): Promise<WelcomeRecord[]>;
  ackWelcomes(device: DeviceRef, ids: readonly number[]): Promise<number>;

  /** Deletes messages and Welcomes created before `cutoff`, and memberships of removed devices with nothing left to read. */
  purgeExpired(cutoff: number): Promise<{ messages: number; welcomes: number }>;

  close(): Promise<void>;
}
