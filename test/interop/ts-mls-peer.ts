// One ts-mls 1.6.4 group member behind the wire-bytes-only InteropPeer interface.
// ts-mls is a test peer: only this file (and the interop tests) import it.
import {
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPub,
  createGroupInfoWithExternalPubAndRatchetTree,
  createProposal,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  encodeMlsMessage,
  generateKeyPackage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  joinGroupExternal,
  makePskIndex,
  mlsExporter,
  processPrivateMessage,
  processPublicMessage,
  type CiphersuiteImpl,
  type CiphersuiteName,
  type ClientState,
  type Extension,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  type Proposal,
  type RatchetTree,
} from 'ts-mls';
import { ciphersuites } from 'ts-mls/crypto/ciphersuite.js';
import { decodeRatchetTree, encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { extensionTypeToNumber } from 'ts-mls/extension.js';
import type { CommitOptions, CommitOutput, InteropPeer, Processed, ProposalSpec } from './peer.js';
import { fromUtf8, utf8 } from './peer.js';

type WireExtension = { extensionType: number; extensionData: Uint8Array };

const implCache = new Map<number, Promise<CiphersuiteImpl>>();

function suiteName(id: number): CiphersuiteName {
  const entry = Object.entries(ciphersuites).find(([, v]) => v === id);
  if (entry === undefined) throw new Error(`ts-mls has no cipher suite 0x${id.toString(16).padStart(4, '0')}`);
  return entry[0] as CiphersuiteName;
}

function getImpl(id: number): Promise<CiphersuiteImpl> {
  let p = implCache.get(id);
  if (p === undefined) {
    p = getCiphersuiteImpl(getCiphersuiteFromName(suiteName(id)));
    implCache.set(id, p);
  }
  return p;
}

function decodeMessage(bytes: Uint8Array, what: string): MLSMessage {
  const r = decodeMlsMessage(bytes, 0);
  if (r === undefined) throw new Error(`ts-mls could not decode ${what} MLSMessage`);
  if (r[1] !== bytes.length) throw new Error(`ts-mls: ${bytes.length - r[1]} trailing bytes after ${what}`);
  return r[0];
}

function decodeTree(bytes: Uint8Array): RatchetTree {
  const r = decodeRatchetTree(bytes, 0);
  if (r === undefined || r[1] !== bytes.length) throw new Error('ts-mls could not decode the ratchet tree');
  return r[0];
}

const toWireExtension = (e: Extension): WireExtension => ({
  extensionType: extensionTypeToNumber(e.extensionType),
  extensionData: e.extensionData,
});

// ts-mls names default extension types; anything else stays a number.
const DEFAULT_EXT_NAMES: Record<number, Extension['extensionType']> = {
  1: 'application_id',
  2: 'ratchet_tree',
  3: 'required_capabilities',
  4: 'external_pub',
  5: 'external_senders',
};
const fromWireExtension = (e: WireExtension): Extension => ({
  extensionType: DEFAULT_EXT_NAMES[e.extensionType] ?? e.extensionType,
  extensionData: e.extensionData,
});

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

export class TsMlsPeer implements InteropPeer {
  readonly impl = 'ts-mls' as const;
  private state: ClientState | undefined;
  private readonly keyPackages: { pub: KeyPackage; priv: PrivateKeyPackage; ref: Uint8Array }[] = [];
  private readonly psks: Record<string, Uint8Array> = {};

  private constructor(
    readonly identity: string,
    readonly suite: number,
    private readonly cs: CiphersuiteImpl,
  ) {}

  static async create(identity: string, suite: number): Promise<TsMlsPeer> {
    return new TsMlsPeer(identity, suite, await getImpl(suite));
  }

  /** The raw ts-mls state, for assertions about what ts-mls itself believes. */
  get rawState(): ClientState {
    if (this.state === undefined) throw new Error(`${this.identity} (ts-mls) is not in a group`);
    return this.state;
  }

  /**
   * The member's signature private key as RFC 9420 test vectors write it (Ed25519: the 32-byte seed).
   * ts-mls's default provider keeps it PKCS#8-wrapped (48 bytes); the seed is its tail.
   */
  signaturePrivateKey(): Uint8Array {
    const k = this.rawState.signaturePrivateKey;
    const PKCS8_ED25519 = '302e020100300506032b657004220420';
    if (k.length === 48 && Buffer.from(k.subarray(0, 16)).toString('hex') === PKCS8_ED25519) return k.subarray(16);
    return k;
  }

  private async newKeyPackage(): Promise<{ pub: KeyPackage; priv: PrivateKeyPackage; ref: Uint8Array }> {
    const kp = await generateKeyPackage(
      { credentialType: 'basic', identity: utf8(this.identity) },
      defaultCapabilities(),
      defaultLifetime,
      [],
      this.cs,
    );
    const entry = { pub: kp.publicPackage, priv: kp.privatePackage, ref: await makeKeyPackageRef(kp.publicPackage, this.cs.hash) };
    this.keyPackages.push(entry);
    return entry;
  }

  async keyPackage(): Promise<Uint8Array> {
    const kp = await this.newKeyPackage();
    return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: kp.pub });
  }

  async createGroup(groupId: Uint8Array, extensions: WireExtension[] = []): Promise<void> {
    const kp = await this.newKeyPackage();
    this.state = await createGroup(groupId, kp.pub, kp.priv, extensions.map(fromWireExtension), this.cs);
  }

  async joinFromWelcome(welcome: Uint8Array, ratchetTree?: Uint8Array): Promise<void> {
    const msg = decodeMessage(welcome, 'Welcome');
    if (msg.wireformat !== 'mls_welcome') throw new Error(`expected a Welcome, got ${msg.wireformat}`);
    const refs = msg.welcome.secrets.map((s) => b64(s.newMember));
    const kp = this.keyPackages.find((k) => refs.includes(b64(k.ref)));
    if (kp === undefined) throw new Error(`Welcome has no secrets for ${this.identity}`);
    const tree = ratchetTree === undefined ? undefined : decodeTree(ratchetTree);
    this.state = await joinGroup(msg.welcome, kp.pub, kp.priv, this.pskIndex(undefined), this.cs, tree);
  }

  private pskIndex(state: ClientState | undefined) {
    return makePskIndex(state, this.psks);
  }

  addExternalPsk(pskId: Uint8Array, secret: Uint8Array): void {
    this.psks[b64(pskId)] = secret;
  }

  private leafOf(identity: string): number {
    const tree = this.rawState.ratchetTree;
    for (let i = 0; i < tree.length; i += 2) {
      const n = tree[i];
      if (n?.nodeType === 'leaf' && n.leaf.credential.credentialType === 'basic' && fromUtf8(n.leaf.credential.identity) === identity) return i / 2;
    }
    throw new Error(`${identity} is not a member (as seen by ${this.identity})`);
  }

  private toProposal(p: ProposalSpec): Proposal {
    switch (p.type) {
      case 'add': {
        const m = decodeMessage(p.keyPackage, 'KeyPackage');
        if (m.wireformat !== 'mls_key_package') throw new Error(`expected a KeyPackage, got ${m.wireformat}`);
        return { proposalType: 'add', add: { keyPackage: m.keyPackage } };
      }
      case 'remove':
        return { proposalType: 'remove', remove: { removed: this.leafOf(p.identity) } };
      case 'psk':
        return { proposalType: 'psk', psk: { preSharedKeyId: { psktype: 'external', pskId: p.pskId, pskNonce: p.pskNonce } } };
      case 'gce':
        return { proposalType: 'group_context_extensions', groupContextExtensions: { extensions: p.extensions.map(fromWireExtension) } };
      case 'update':
        // ts-mls 1.6.4 has no API to build an Update proposal's leaf; it refreshes its leaf by committing with a path.
        throw new Error('the ts-mls adapter cannot make Update proposals');
    }
  }

  async commit(proposals: ProposalSpec[], options: CommitOptions = {}): Promise<CommitOutput> {
    const state = this.rawState;
    const res = await createCommit(
      { state, cipherSuite: this.cs, pskIndex: this.pskIndex(state) },
      {
        extraProposals: proposals.map((p) => this.toProposal(p)),
        ratchetTreeExtension: options.ratchetTreeInWelcome ?? false,
        wireAsPublicMessage: options.publicMessage ?? false,
      },
    );
    this.state = res.newState;
    const out: CommitOutput = { commit: encodeMlsMessage(res.commit), ratchetTree: this.ratchetTree() };
    if (res.welcome !== undefined) out.welcome = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: res.welcome });
    return out;
  }

  async propose(proposal: ProposalSpec, options: { publicMessage?: boolean } = {}): Promise<Uint8Array> {
    const res = await createProposal(this.rawState, options.publicMessage ?? false, this.toProposal(proposal), this.cs);
    this.state = res.newState;
    return encodeMlsMessage(res.message);
  }

  async process(message: Uint8Array): Promise<Processed> {
    const state = this.rawState;
    const msg = decodeMessage(message, 'incoming');
    if (msg.wireformat !== 'mls_public_message' && msg.wireformat !== 'mls_private_message') {
      throw new Error(`cannot process a ${msg.wireformat} as a group message`);
    }
    // Not processMessage(): in 1.6.4 it drops the PSK index for PrivateMessages.
    const res =
      msg.wireformat === 'mls_public_message'
        ? { kind: 'newState' as const, ...(await processPublicMessage(state, msg.publicMessage, this.pskIndex(state), this.cs, acceptAll)) }
        : await processPrivateMessage(state, msg.privateMessage, this.pskIndex(state), this.cs, acceptAll);
    if (res.kind === 'applicationMessage') {
      this.state = res.newState;
      return { kind: 'application', data: res.message };
    }
    if (res.actionTaken !== 'accept') throw new Error('ts-mls rejected the message');
    const before = state.groupContext.epoch;
    this.state = res.newState;
    return res.newState.groupContext.epoch === before ? { kind: 'proposal' } : { kind: 'commit', epoch: res.newState.groupContext.epoch };
  }

  async encrypt(data: Uint8Array): Promise<Uint8Array> {
    const res = await createApplicationMessage(this.rawState, data, this.cs);
    this.state = res.newState;
    return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: res.privateMessage });
  }

  epoch(): bigint {
    return this.rawState.groupContext.epoch;
  }

  epochAuthenticator(): Uint8Array {
    return this.rawState.keySchedule.epochAuthenticator;
  }

  exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
    return mlsExporter(this.rawState.keySchedule.exporterSecret, label, context, length, this.cs);
  }

  members(): string[] {
    const out: string[] = [];
    for (const n of this.rawState.ratchetTree) {
      if (n?.nodeType === 'leaf' && n.leaf.credential.credentialType === 'basic') out.push(fromUtf8(n.leaf.credential.identity));
    }
    return out;
  }

  groupContextExtensions(): WireExtension[] {
    return this.rawState.groupContext.extensions.map(toWireExtension);
  }

  async groupInfo(options: { ratchetTree?: boolean } = {}): Promise<Uint8Array> {
    const gi = options.ratchetTree
      ? await createGroupInfoWithExternalPubAndRatchetTree(this.rawState, [], this.cs)
      : await createGroupInfoWithExternalPub(this.rawState, [], this.cs);
    return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_group_info', groupInfo: gi });
  }

  ratchetTree(): Uint8Array {
    return encodeRatchetTree(this.rawState.ratchetTree);
  }

  async joinExternal(groupInfo: Uint8Array, ratchetTree?: Uint8Array): Promise<Uint8Array> {
    const msg = decodeMessage(groupInfo, 'GroupInfo');
    if (msg.wireformat !== 'mls_group_info') throw new Error(`expected a GroupInfo, got ${msg.wireformat}`);
    const kp = await this.newKeyPackage();
    const tree = ratchetTree === undefined ? undefined : decodeTree(ratchetTree);
    const res = await joinGroupExternal(msg.groupInfo, kp.pub, kp.priv, false, this.cs, tree);
    this.state = res.newState;
    return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_public_message', publicMessage: res.publicMessage });
  }

  async resync(groupInfo: Uint8Array, ratchetTree?: Uint8Array): Promise<Uint8Array> {
    const msg = decodeMessage(groupInfo, 'GroupInfo');
    if (msg.wireformat !== 'mls_group_info') throw new Error(`expected a GroupInfo, got ${msg.wireformat}`);
    // ts-mls finds the old leaf by signature key, so the new KeyPackage keeps the member's signature key pair.
    const state = this.rawState;
    const own = state.ratchetTree[2 * state.privatePath.leafIndex];
    if (own?.nodeType !== 'leaf') throw new Error('own leaf is blank');
    const kp = await generateKeyPackageWithKey(
      { credentialType: 'basic', identity: utf8(this.identity) },
      defaultCapabilities(),
      defaultLifetime,
      [],
      { signKey: state.signaturePrivateKey, publicKey: own.leaf.signaturePublicKey },
      this.cs,
    );
    const tree = ratchetTree === undefined ? undefined : decodeTree(ratchetTree);
    const res = await joinGroupExternal(msg.groupInfo, kp.publicPackage, kp.privatePackage, true, this.cs, tree);
    this.state = res.newState;
    return encodeMlsMessage({ version: 'mls10', wireformat: 'mls_public_message', publicMessage: res.publicMessage });
  }
}
