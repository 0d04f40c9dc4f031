// One core-crypto 10.3.0 client (Wire's MLS library, OpenMLS inside) behind the
// wire-bytes-only InteropPeer interface. Only this file and the interop tests
// import it (GPL-3.0: a test tool, never shipped).
//
// What its public API offers shapes what this peer can do:
// - every commit leaves through the MlsTransport callback (`sendCommitBundle`),
//   which plays the delivery service and always accepts; core-crypto then
//   merges the commit itself;
// - it creates no proposals (10.3.0 has no API for it) and commits only Adds,
//   Removes, a full-path update, or its pending received proposals;
// - it takes KeyPackages and GroupInfos as bare TLS structs and emits GroupInfos,
//   Welcomes and handshake messages as MLSMessages (the adapter unwraps the
//   MLSMessage header of what Arbor sends, nothing else);
// - its exporter is fixed: MLS-Exporter("exporter", "", length);
// - there is no epoch authenticator, out-of-band ratchet tree, external PSK,
//   GroupContextExtensions or resync API: those methods throw.
// Identities are core-crypto client ids, `<uuid>:<device hex>@<domain>`, which
// its basic credentials carry and its remove API needs (wireClientId()).
import { createHash } from 'node:crypto';
import type { CommitBundle, ConversationId, CoreCrypto, CoreCryptoContext, CredentialRef } from '@wireapp/core-crypto/browser';
import { coreCrypto, type CoreCryptoModule } from './core-crypto-loader.js';
import type { CommitOptions, CommitOutput, InteropPeer, Processed, ProposalSpec } from './peer.js';
import { fromUtf8 } from './peer.js';

type Cc = CoreCryptoModule;

/** RFC 9420 §6: MLSMessage = version (mls10 = 1), wire_format, then the struct. */
const MLS10 = 0x0001;
const WF_KEY_PACKAGE = 0x0005;
const WF_GROUP_INFO = 0x0004;

/** The bare struct inside an MLSMessage of the given wire format (core-crypto takes KeyPackages and GroupInfos bare). */
export function unwrapMlsMessage(bytes: Uint8Array, wireFormat: number): Uint8Array {
  const version = (bytes[0]! << 8) | bytes[1]!;
  const wf = (bytes[2]! << 8) | bytes[3]!;
  if (version !== MLS10 || wf !== wireFormat) throw new Error(`expected MLSMessage(version 1, wire format ${wireFormat}), got version ${version}, wire format ${wf}`);
  return bytes.subarray(4);
}

/** A bare struct framed as MLSMessage. */
export function wrapMlsMessage(bare: Uint8Array, wireFormat: number): Uint8Array {
  const out = new Uint8Array(4 + bare.length);
  out.set([MLS10 >> 8, MLS10 & 0xff, wireFormat >> 8, wireFormat & 0xff]);
  out.set(bare, 4);
  return out;
}

/**
 * The core-crypto client id for a test name: `<uuid>:<device id in hex>@interop.test`, the uuid derived from the
 * name. Arbor members in groups with core-crypto use it as their basic credential's identity too, so that
 * core-crypto can name them (its member list and remove API parse every identity as a client id).
 */
export function wireClientId(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  const device = (BigInt(`0x${h.slice(32, 36)}`) + 1n).toString(16); // as core-crypto writes it: no leading zeros
  return `${uuid}:${device}@interop.test`;
}

function parseClientId(cc: Cc, id: string) {
  const m = /^([0-9a-f-]{36}):([0-9a-f]+)@(.+)$/.exec(id);
  if (m === null) throw new Error(`${id} is not a core-crypto client id`);
  return new cc.ClientId(new cc.Uuid(m[1]!), new cc.DeviceId(BigInt(`0x${m[2]!}`)), m[3]!);
}

/** The tag and message of a core-crypto error (its errors carry the OpenMLS reason in `inner`). */
export function coreCryptoReason(err: unknown): string {
  const inner = (err as { inner?: unknown }).inner;
  const s = JSON.stringify(inner ?? null, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
  return `${(err as Error).message} ${s}`;
}

const unsupported = (what: string): Error => new Error(`core-crypto 10.3.0 has no API for ${what}`);

export class CoreCryptoPeer implements InteropPeer {
  readonly impl = 'core-crypto' as const;
  private conv: ConversationId | undefined;
  /** What the transport received last: the delivery service's copy of this client's latest commit, and its epoch. */
  private lastBundle: CommitBundle | undefined;
  private lastBundleEpoch = -1n;
  private cachedEpoch = -1n;
  private cachedMembers: string[] = [];
  /** Received proposals not yet committed (core-crypto keeps them; an empty commit() covers them). */
  private pendingProposals = 0;

  private constructor(
    readonly identity: string,
    readonly suite: number,
    private readonly cc: Cc,
    private readonly core: CoreCrypto,
    private readonly credential: CredentialRef,
    private readonly sent: CommitBundle[],
  ) {}

  /** A client with a basic credential for `identity` (a core-crypto client id: see wireClientId). */
  static async create(identity: string, suite: number): Promise<CoreCryptoPeer> {
    const cc = await coreCrypto();
    const core = cc.CoreCrypto.new(await cc.Database.inMemory());
    const sent: CommitBundle[] = [];
    const transport = {
      sendCommitBundle: (bundle: CommitBundle): Promise<void> => {
        sent.push(bundle);
        return Promise.resolve();
      },
      prepareForTransport: (): Promise<Uint8Array> => Promise.resolve(new Uint8Array(0)),
    };
    const clientId = parseClientId(cc, identity);
    const credential = await core.transaction(async (ctx) => {
      await ctx.mlsInit(clientId, transport);
      return ctx.addCredential(cc.Credential.basic(cc.cipherSuiteFromU16(suite), clientId));
    });
    return new CoreCryptoPeer(identity, suite, cc, core, credential, sent);
  }

  private get conversation(): ConversationId {
    if (this.conv === undefined) throw new Error(`${this.identity} (core-crypto) is not in a group`);
    return this.conv;
  }

  /** Epoch and members, read after every operation (the InteropPeer getters are synchronous). */
  private async refresh(): Promise<void> {
    const before = this.sent.length;
    this.cachedEpoch = await this.core.conversationEpoch(this.conversation);
    this.cachedMembers = (await this.core.getClientIds(this.conversation)).map((c) => fromUtf8(c.copyBytes()));
    if (this.sent.length !== before) throw new Error('core-crypto sent a commit while being read');
  }

  /** Runs one core-crypto transaction and returns the commit bundle it sent, if any. */
  private async transact<R>(f: (ctx: CoreCryptoContext) => Promise<R>): Promise<{ result: R; bundle?: CommitBundle }> {
    const before = this.sent.length;
    const result = await this.core.transaction(f);
    const bundle = this.sent.length > before ? this.sent[this.sent.length - 1] : undefined;
    if (bundle !== undefined) {
      this.lastBundle = bundle;
      this.lastBundleEpoch = this.conv === undefined ? -1n : await this.core.conversationEpoch(this.conv);
    }
    return bundle === undefined ? { result } : { result, bundle };
  }

  /** A fresh KeyPackage, framed as MLSMessage like every other peer's (core-crypto serializes the bare struct). */
  async keyPackage(): Promise<Uint8Array> {
    const { result } = await this.transact((ctx) => ctx.generateKeyPackage(this.credential));
    return wrapMlsMessage(result.serialize(), WF_KEY_PACKAGE);
  }

  async createGroup(groupId: Uint8Array, extensions: { extensionType: number; extensionData: Uint8Array }[] = []): Promise<void> {
    if (extensions.length > 0) throw unsupported('choosing GroupContext extensions');
    const conv = new this.cc.ConversationId(groupId);
    await this.transact((ctx) => ctx.createConversation(conv, this.credential));
    this.conv = conv;
    await this.refresh();
  }

  async joinFromWelcome(welcome: Uint8Array, ratchetTree?: Uint8Array): Promise<void> {
    if (ratchetTree !== undefined) throw unsupported('a ratchet tree out of band');
    const { result } = await this.transact((ctx) => ctx.processWelcomeMessage(new this.cc.Welcome(welcome)));
    this.conv = result;
    await this.refresh();
  }

  /** core-crypto has no way to export the tree: `ratchetTree` is empty (its Welcomes carry the tree). */
  private outputOf(bundle: CommitBundle | undefined): CommitOutput {
    if (bundle === undefined) throw new Error(`${this.identity} (core-crypto) sent no commit`);
    const out: CommitOutput = { commit: bundle.commit, ratchetTree: new Uint8Array(0) };
    if (bundle.welcome !== undefined) out.welcome = bundle.welcome.serialize();
    return out;
  }

  /**
   * Adds only, Removes only, or nothing (a full-path update; it commits the pending proposals when there are
   * some). core-crypto always frames a commit as PublicMessage and puts the tree in the Welcome's GroupInfo.
   */
  async commit(proposals: ProposalSpec[], _options: CommitOptions = {}): Promise<CommitOutput> {
    const conv = this.conversation;
    let bundle: CommitBundle | undefined;
    if (proposals.length === 0) {
      ({ bundle } = await this.transact((ctx) => (this.pendingProposals > 0 ? ctx.commitPendingProposals(conv) : ctx.updateKeyingMaterial(conv))));
    } else if (proposals.every((p) => p.type === 'add')) {
      const kps = proposals.map((p) => new this.cc.KeyPackage(unwrapMlsMessage(p.keyPackage, WF_KEY_PACKAGE)));
      ({ bundle } = await this.transact((ctx) => ctx.addClientsToConversation(conv, kps)));
    } else if (proposals.every((p) => p.type === 'remove')) {
      const ids = proposals.map((p) => parseClientId(this.cc, p.identity));
      ({ bundle } = await this.transact((ctx) => ctx.removeClientsFromConversation(conv, ids)));
    } else {
      throw unsupported(`a commit of ${proposals.map((p) => p.type).join(', ')}`);
    }
    this.pendingProposals = 0;
    await this.refresh();
    return this.outputOf(bundle);
  }

  propose(_proposal: ProposalSpec): Promise<Uint8Array> {
    return Promise.reject(unsupported('creating proposals'));
  }

  async process(message: Uint8Array): Promise<Processed> {
    const conv = this.conversation;
    const { result } = await this.transact((ctx) => ctx.decryptMessage(conv, message));
    const D = this.cc.DecryptedMessage;
    if (D.Text.instanceOf(result)) {
      return { kind: 'application', data: result.inner.plaintext };
    }
    if (D.Proposal.instanceOf(result)) {
      this.pendingProposals++;
      return { kind: 'proposal' };
    }
    if (D.Commit.instanceOf(result)) {
      this.pendingProposals = 0;
      if (!result.inner.isActive) return { kind: 'removed' };
      await this.refresh();
      return { kind: 'commit', epoch: this.cachedEpoch };
    }
    throw new Error('core-crypto returned an unknown kind of decrypted message');
  }

  addExternalPsk(): void {
    throw unsupported('external PSKs');
  }

  async encrypt(data: Uint8Array): Promise<Uint8Array> {
    const conv = this.conversation;
    const { result } = await this.transact((ctx) => ctx.encryptMessage(conv, data));
    return result;
  }

  epoch(): bigint {
    return this.cachedEpoch;
  }

  /** core-crypto exposes no epoch authenticator (RFC 9420 §8.7). */
  epochAuthenticator(): Uint8Array | undefined {
    return undefined;
  }

  /** MLS-Exporter(label, context, length): core-crypto only exports with label "exporter" and an empty context. */
  async exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
    if (label !== CORE_CRYPTO_EXPORTER.label || context.length !== 0) throw unsupported(`MLS-Exporter("${label}", ${context.length}-byte context)`);
    const conv = this.conversation;
    return (await this.core.exportSecretKey(conv, length)).copyBytes();
  }

  members(): string[] {
    return this.cachedMembers;
  }

  groupContextExtensions(): { extensionType: number; extensionData: Uint8Array }[] {
    throw unsupported('reading the GroupContext extensions');
  }

  /**
   * The GroupInfo (MLSMessage, with ratchet_tree and external_pub) that came with this client's own latest
   * commit: core-crypto hands out a GroupInfo only in a commit bundle, so it must be of the current epoch.
   */
  groupInfo(): Promise<Uint8Array> {
    const b = this.lastBundle;
    if (b === undefined || this.lastBundleEpoch !== this.cachedEpoch) {
      return Promise.reject(new Error(`${this.identity} (core-crypto) has no GroupInfo of epoch ${this.cachedEpoch}: it hands one out only with its own commit`));
    }
    return Promise.resolve(b.groupInfo.payload);
  }

  ratchetTree(): Uint8Array {
    throw unsupported('exporting the ratchet tree');
  }

  /** Joins by external commit from a GroupInfo MLSMessage (handed to core-crypto as the bare struct). */
  async joinExternal(groupInfo: Uint8Array, ratchetTree?: Uint8Array): Promise<Uint8Array> {
    if (ratchetTree !== undefined) throw unsupported('a ratchet tree out of band');
    const gi = new this.cc.GroupInfo(unwrapMlsMessage(groupInfo, WF_GROUP_INFO));
    const { result, bundle } = await this.transact(async (ctx) => {
      const conv = await ctx.joinByExternalCommit(gi, this.credential);
      this.conv = conv;
      return conv;
    });
    this.conv = result;
    await this.refresh();
    this.lastBundleEpoch = this.cachedEpoch;
    return this.outputOf(bundle).commit;
  }

  resync(): Promise<Uint8Array> {
    return Promise.reject(unsupported('a resync by external commit of a group it is in'));
  }
}

/** The only MLS-Exporter core-crypto offers: exportSecretKey(conversation, length). */
export const CORE_CRYPTO_EXPORTER = { label: 'exporter', context: new Uint8Array(0) } as const;
