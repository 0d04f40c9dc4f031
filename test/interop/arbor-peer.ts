// One Arbor member behind the wire-bytes-only InteropPeer interface, driving
// Arbor's group layer (main/mls/group/). Own commits are merged at once: the
// interop tests play the delivery service, which always accepts them.
import { getProvider } from '../../main/mls/crypto/index.js';
import { isCipherSuiteId, type CipherSuite } from '../../main/mls/crypto/provider.js';
import { mlsMessageBytes, parseMLSMessage } from '../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from '../../main/mls/group/group-context.js';
import { members as groupMembers, type GroupState } from '../../main/mls/group/state.js';
import { groupStateBytes } from '../../main/mls/group/state-codec.js';
import { createGroup } from '../../main/mls/group/create-group.js';
import { createProposalMessage, createUpdateProposal } from '../../main/mls/group/proposal-message.js';
import { createCommit } from '../../main/mls/group/commit-create.js';
import { mergePendingCommit } from '../../main/mls/group/pending-commit.js';
import { joinFromWelcome } from '../../main/mls/group/welcome-join.js';
import { createGroupInfo } from '../../main/mls/group/group-info.js';
import { createApplicationMessage } from '../../main/mls/group/application.js';
import { processMessage } from '../../main/mls/group/process-message.js';
import { exportSecret } from '../../main/mls/group/exporter.js';
import { ProposalType, type Proposal } from '../../main/mls/messages/proposal.js';
import type { KeyPackageWithSecrets } from '../../main/mls/messages/key-package-create.js';
import { PSKType, type PreSharedKeyID } from '../../main/mls/schedule/psk.js';
import { ratchetTreeBytes, ratchetTreeFromBytes } from '../../main/mls/tree/ratchet-tree-codec.js';
import { CredentialType } from '../../main/mls/tree/credential.js';
import { createResyncCommit } from '../../main/mls/group/external-commit.js';
import * as mls from '../../main/mls/index.js';
import { equalBytes } from '../../main/mls/util/bytes.js';
import { ArborIdentity, keyPackageMessage } from './arbor-identity.js';
import type { CommitOptions, CommitOutput, InteropPeer, Processed, ProposalSpec } from './peer.js';
import { fromUtf8 } from './peer.js';

type WireExtension = { extensionType: number; extensionData: Uint8Array };

export class ArborPeer implements InteropPeer {
  readonly impl = 'arbor' as const;
  readonly suiteImpl: CipherSuite;
  private readonly id: ArborIdentity;
  private st: GroupState | undefined;
  private readonly keyPackages: KeyPackageWithSecrets[] = [];
  private readonly psks: { id: Uint8Array; secret: Uint8Array }[] = [];

  /** `capabilities`: what this member's application supports beyond the defaults (e.g. x509 credentials). */
  constructor(
    readonly identity: string,
    readonly suite: number,
    capabilities?: mls.AppCapabilities,
  ) {
    if (!isCipherSuiteId(suite)) throw new Error(`Arbor has no cipher suite ${suite}`);
    this.suiteImpl = getProvider().getSuite(suite);
    this.id = new ArborIdentity(identity, this.suiteImpl, capabilities);
  }

  static create(identity: string, suite: number, capabilities?: mls.AppCapabilities): Promise<ArborPeer> {
    return Promise.resolve(new ArborPeer(identity, suite, capabilities));
  }

  get state(): GroupState {
    if (this.st === undefined) throw new Error(`${this.identity} (arbor) is not in a group`);
    return this.st;
  }

  /** The encoded group state, to show a rejected message changed nothing. */
  stateBytes(): Uint8Array {
    return groupStateBytes(this.state);
  }

  private newKeyPackage(): KeyPackageWithSecrets {
    const kp = this.id.newKeyPackage();
    this.keyPackages.push(kp);
    return kp;
  }

  async keyPackage(): Promise<Uint8Array> {
    return keyPackageMessage(this.newKeyPackage());
  }

  async createGroup(groupId: Uint8Array, extensions: WireExtension[] = []): Promise<void> {
    this.st = createGroup({
      suite: this.suiteImpl,
      groupId,
      keyPackage: this.newKeyPackage(),
      signaturePrivateKey: this.id.signaturePrivateKey,
      extensions,
    });
  }

  private pskLookup = (id: PreSharedKeyID): Uint8Array | undefined =>
    id.psktype === PSKType.external ? this.psks.find((p) => equalBytes(p.id, id.pskId))?.secret : undefined;

  addExternalPsk(pskId: Uint8Array, secret: Uint8Array): void {
    this.psks.push({ id: pskId, secret });
  }

  async joinFromWelcome(welcome: Uint8Array, ratchetTree?: Uint8Array): Promise<void> {
    const msg = parseMLSMessage(welcome);
    if (msg.wireFormat !== WireFormat.mlsWelcome) throw new Error(`expected a Welcome, got wire format ${msg.wireFormat}`);
    const kp = this.keyPackages.find((k) => msg.welcome.secrets.some((s) => equalBytes(s.newMember, k.ref)));
    if (kp === undefined) throw new Error(`Welcome has no secrets for ${this.identity}`);
    this.st = joinFromWelcome({
      welcome,
      keyPackage: kp,
      signaturePrivateKey: this.id.signaturePrivateKey,
      ...(ratchetTree === undefined ? {} : { ratchetTree: ratchetTreeFromBytes(ratchetTree) }),
      psks: this.pskLookup,
    }).state;
  }

  private leafOf(identity: string): number {
    const m = groupMembers(this.state).find(
      (x) => x.leaf.credential.credentialType === CredentialType.basic && 'identity' in x.leaf.credential && fromUtf8(x.leaf.credential.identity) === identity,
    );
    if (m === undefined) throw new Error(`${identity} is not a member (as seen by ${this.identity})`);
    return m.index;
  }

  private toProposal(p: ProposalSpec): Proposal {
    switch (p.type) {
      case 'add': {
        const m = parseMLSMessage(p.keyPackage);
        if (m.wireFormat !== WireFormat.mlsKeyPackage) throw new Error(`expected a KeyPackage, got wire format ${m.wireFormat}`);
        return { proposalType: ProposalType.add, add: { keyPackage: m.keyPackage } };
      }
      case 'remove':
        return { proposalType: ProposalType.remove, remove: { removed: this.leafOf(p.identity) } };
      case 'psk':
        return { proposalType: ProposalType.psk, psk: { psk: { psktype: PSKType.external, pskId: p.pskId, pskNonce: p.pskNonce } } };
      case 'gce':
        return { proposalType: ProposalType.group_context_extensions, groupContextExtensions: { extensions: p.extensions } };
      case 'update':
        throw new Error('an Update goes out as a proposal (propose), never by value in its sender\'s own commit');
    }
  }

  async commit(proposals: ProposalSpec[], options: CommitOptions = {}): Promise<CommitOutput> {
    const res = createCommit(this.state, {
      proposals: proposals.map((p) => this.toProposal(p)),
      psks: this.pskLookup,
      wireFormat: options.publicMessage ? WireFormat.mlsPublicMessage : WireFormat.mlsPrivateMessage,
      groupInfo: { ratchetTree: options.ratchetTreeInWelcome ?? false },
    });
    this.st = mergePendingCommit(this.state, res.pending);
    const out: CommitOutput = { commit: res.commit, ratchetTree: ratchetTreeBytes(this.st.tree) };
    if (res.welcome !== undefined) out.welcome = res.welcome;
    return out;
  }

  async propose(proposal: ProposalSpec, options: { publicMessage?: boolean } = {}): Promise<Uint8Array> {
    const wireFormat = options.publicMessage ? WireFormat.mlsPublicMessage : WireFormat.mlsPrivateMessage;
    if (proposal.type === 'update') {
      const up = createUpdateProposal(this.state);
      const res = createProposalMessage(this.state, up.proposal, { wireFormat, update: up });
      this.st = res.state;
      return res.message;
    }
    const res = createProposalMessage(this.state, this.toProposal(proposal), { wireFormat });
    this.st = res.state;
    return res.message;
  }

  async process(message: Uint8Array): Promise<Processed> {
    const { result, state } = processMessage(this.state, message, { psks: this.pskLookup });
    this.st = state;
    switch (result.kind) {
      case 'application':
        return { kind: 'application', data: result.data };
      case 'proposal':
        return { kind: 'proposal' };
      case 'commit':
        return { kind: 'commit', epoch: state.groupContext.epoch };
      case 'removed':
        return { kind: 'removed' };
    }
  }

  async encrypt(data: Uint8Array): Promise<Uint8Array> {
    const res = createApplicationMessage(this.state, data);
    this.st = res.state;
    return res.message;
  }

  epoch(): bigint {
    return this.state.groupContext.epoch;
  }

  epochAuthenticator(): Uint8Array {
    return this.state.keys.epochAuthenticator;
  }

  async exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
    return exportSecret(this.state, label, context, length);
  }

  members(): string[] {
    return groupMembers(this.state).map((m) => (m.leaf.credential.credentialType === CredentialType.basic && 'identity' in m.leaf.credential ? fromUtf8(m.leaf.credential.identity) : '?'));
  }

  groupContextExtensions(): WireExtension[] {
    return this.state.groupContext.extensions.map((e) => ({ extensionType: e.extensionType, extensionData: e.extensionData }));
  }

  async groupInfo(options: { ratchetTree?: boolean } = {}): Promise<Uint8Array> {
    const gi = createGroupInfo(this.suiteImpl, this.state, { externalPub: true, ratchetTree: options.ratchetTree ?? false });
    return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsGroupInfo, groupInfo: gi });
  }

  ratchetTree(): Uint8Array {
    return ratchetTreeBytes(this.state.tree);
  }

  /** Through the public API's joinExternal: the leaf lists the identity's capabilities. */
  async joinExternal(groupInfo: Uint8Array, ratchetTree?: Uint8Array): Promise<Uint8Array> {
    const res = mls.joinExternal(groupInfo, this.id.client, ratchetTree === undefined ? {} : { ratchetTree });
    this.st = res.state;
    return res.commit;
  }

  async resync(groupInfo: Uint8Array, ratchetTree?: Uint8Array): Promise<Uint8Array> {
    const res = createResyncCommit(this.state, groupInfo, ratchetTree === undefined ? {} : { ratchetTree: ratchetTreeFromBytes(ratchetTree) });
    this.st = res.state;
    return res.commit;
  }
}
