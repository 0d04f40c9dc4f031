// The one interface both interop adapters (ts-mls and Arbor) implement. Only
// RFC 9420 wire bytes cross it: MLSMessage-framed KeyPackages, Welcomes,
// GroupInfos, PublicMessages and PrivateMessages, and a TLS-encoded ratchet tree
// (RFC 9420 §12.4.3.3) where it travels out of band.

/** What creating a commit hands to the rest of the group. The committer has already merged it. */
export interface CommitOutput {
  /** MLSMessage (PublicMessage or PrivateMessage) carrying the Commit. */
  commit: Uint8Array;
  /** MLSMessage carrying the Welcome, when the commit adds members. */
  welcome?: Uint8Array;
  /** The new epoch's ratchet tree, TLS-encoded, for joiners that get it out of band. */
  ratchetTree: Uint8Array;
}

export type Processed =
  | { kind: 'application'; data: Uint8Array }
  | { kind: 'proposal' }
  | { kind: 'commit'; epoch: bigint }
  /** The commit removed this member. */
  | { kind: 'removed' };

/** A proposal a commit may carry by value. */
export type ProposalSpec =
  | { type: 'add'; keyPackage: Uint8Array }
  | { type: 'remove'; identity: string }
  | { type: 'psk'; pskId: Uint8Array; pskNonce: Uint8Array }
  | { type: 'gce'; extensions: { extensionType: number; extensionData: Uint8Array }[] }
  /** The sender's own Update with a fresh leaf (only as a proposal, never by value in the sender's own commit). */
  | { type: 'update' };

export interface CommitOptions {
  /** Put the ratchet tree in the Welcome's GroupInfo (ratchet_tree extension). */
  ratchetTreeInWelcome?: boolean;
  /** Frame the commit as a PublicMessage (default: PrivateMessage). */
  publicMessage?: boolean;
}

export interface InteropPeer {
  readonly impl: 'ts-mls' | 'arbor' | 'core-crypto';
  /** The basic-credential identity (UTF-8). */
  readonly identity: string;
  readonly suite: number;

  /** A fresh KeyPackage as MLSMessage bytes; the peer keeps its private keys. */
  keyPackage(): Promise<Uint8Array>;
  /** A one-member group; `extensions` go into the GroupContext. */
  createGroup(groupId: Uint8Array, extensions?: { extensionType: number; extensionData: Uint8Array }[]): Promise<void>;
  /** Join from a Welcome MLSMessage, with the ratchet tree out of band when given. */
  joinFromWelcome(welcome: Uint8Array, ratchetTree?: Uint8Array): Promise<void>;

  /** Commit the given proposals by value plus every pending received proposal by reference. An empty list is a full-path update. */
  commit(proposals: ProposalSpec[], options?: CommitOptions): Promise<CommitOutput>;
  /** Send one proposal (as PublicMessage or PrivateMessage) for another member to commit by reference. */
  propose(proposal: ProposalSpec, options?: { publicMessage?: boolean }): Promise<Uint8Array>;
  /** Process any incoming MLSMessage: application, proposal or commit. */
  process(message: Uint8Array): Promise<Processed>;

  /** Make an external PSK known to this member. */
  addExternalPsk(pskId: Uint8Array, secret: Uint8Array): void;

  /** Application message as MLSMessage(PrivateMessage). */
  encrypt(data: Uint8Array): Promise<Uint8Array>;

  epoch(): bigint;
  /** RFC 9420 §8.7; undefined when the implementation exposes none (core-crypto). */
  epochAuthenticator(): Uint8Array | undefined;
  exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array>;
  /** Member identities by leaf index (blank leaves omitted). */
  members(): string[];
  /** The GroupContext extensions, as the peer currently holds them. */
  groupContextExtensions(): { extensionType: number; extensionData: Uint8Array }[];

  /** Signed GroupInfo with external_pub (MLSMessage bytes); ratchet tree inside when asked. */
  groupInfo(options?: { ratchetTree?: boolean }): Promise<Uint8Array>;
  /** The current ratchet tree, TLS-encoded. */
  ratchetTree(): Uint8Array;
  /** Join by external commit from a GroupInfo MLSMessage; returns the commit MLSMessage. */
  joinExternal(groupInfo: Uint8Array, ratchetTree?: Uint8Array): Promise<Uint8Array>;
  /** Rejoin the current group by external commit, removing this member's old leaf (RFC 9420 §12.4.3.2 resync). */
  resync(groupInfo: Uint8Array, ratchetTree?: Uint8Array): Promise<Uint8Array>;
}

export const SUITES = [0x0001, 0x0003] as const;
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder().decode(b);
