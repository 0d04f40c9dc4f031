// Groups, messages and invitations (docs/protocol.md §4, §5.8–§5.17).
//
// The service follows each group's public MLS state with the engine
// (main/mls/public): handshake messages must be PublicMessages; each commit
// and proposal is verified against the group's tree before it is stored, and
// the roster is what the tree says (roster-change.ts), never what a client
// declares. The engine work runs before the storage transaction on a snapshot
// of the state; the transaction stores the commit and the new state together,
// only if the state is still that snapshot's revision (else it runs again).
// A device a commit adds is invited: it gets the Welcome and nothing else
// until it accepts (welcome.ack) or declines (welcome.decline).

import {
  checkGroupInfo,
  DecodeError,
  processPublicMessage,
  publicGroupBytes,
  publicGroupFromGroupInfo,
  type Proposal,
  type PublicGroup,
} from '../main/mls/index.js';
import type { Sender } from '../main/mls/framing/sender.js';
import { ProposalType } from '../main/mls/messages/proposal.js';
import { devKey, deviceOfCredential, keyLookup, leafDevice, sameDevice } from './identity.js';
import { messageJson, pageLimit, welcomeJson } from './json.js';
import { ContentType, peekMlsMessage, SenderType, WireFormat, type Peeked } from './mls-peek.js';
import {
  arrayField,
  b64Field,
  deviceField,
  ErrorCode,
  intField,
  objField,
  optBool,
  optIntField,
  ProtocolError,
  toB64,
  type Json,
} from './protocol.js';
import { engine } from './public-states.js';
import { checkDeclared, rosterChange } from './roster-change.js';
import { rateLimited } from './service-keypackages.js';
import type { ServiceContext, Session } from './service.js';
import type { Access, DeviceRef, GroupStateRecord, Membership, PostRefusal } from './storage/types.js';
import { checkWelcomes, type PostedWelcome } from './welcome-check.js';

const MAX_GROUP_ID = 255;
const MAX_LIST = 1000;
/** A proposal or commit that lost the race for the state to another proposal is recomputed this often before giving up. */
const STATE_ATTEMPTS = 4;
const ROSTER_PAGE = 1000;
const ROSTER_PAGE_MAX = 2000;

function peek(bytes: Uint8Array, field: string): Peeked {
  try {
    return peekMlsMessage(bytes);
  } catch (err) {
    if (err instanceof DecodeError) throw new ProtocolError(ErrorCode.badMessage, `${field}: ${err.message}`);
    throw err;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function staleEpoch(current: bigint): ProtocolError {
  return new ProtocolError(ErrorCode.staleEpoch, `the group is at epoch ${current}`, { epoch: current.toString() });
}

function noGroup(): ProtocolError {
  return new ProtocolError(ErrorCode.noGroup, 'no such group');
}

/** A storage refusal of a posted commit or message as the protocol error the client gets. */
function postRefusal(r: Exclude<PostRefusal, { code: 'changed' }>, notAuthorized: string): ProtocolError {
  switch (r.code) {
    case 'no_group':
      return noGroup();
    case 'not_member':
      return new ProtocolError(ErrorCode.notMember, 'this device is not a member of the group');
    case 'not_authorized':
      return new ProtocolError(ErrorCode.notAuthorized, notAuthorized);
    case 'stale_epoch':
      return staleEpoch(r.currentEpoch);
  }
}

function busy(): ProtocolError {
  return rateLimited('the group\'s state kept changing while this was checked', 100);
}

const accepted = (m: Membership | undefined): boolean => m !== undefined && m.status === 'member' && m.leaveSeq === null;

function notMember(m: Membership | undefined): ProtocolError {
  if (m?.status === 'invited') return new ProtocolError(ErrorCode.notMember, 'this device is invited to the group: accept with welcome.ack first', { status: 'invited' });
  if (m?.status === 'declined') return new ProtocolError(ErrorCode.notMember, 'this device declined the invitation to the group', { status: 'declined' });
  return new ProtocolError(ErrorCode.notMember, 'this device is not a member of the group');
}

export class GroupHandlers {
  constructor(private readonly ctx: ServiceContext) {}

  private groupId(v: unknown): Uint8Array {
    return b64Field(v, 'groupId', MAX_GROUP_ID, 1);
  }

  private keyOf() {
    return keyLookup((u, d) => this.ctx.storage.getDevice(u, d));
  }

  /** A GroupInfo field: an MLSMessage(GroupInfo) of this group and epoch (its content is checked by the caller). */
  private groupInfoField(v: unknown, groupId: Uint8Array, epoch: bigint): Uint8Array {
    const b = b64Field(v, 'groupInfo', this.ctx.config.maxMessageBytes, 1);
    const p = peek(b, 'groupInfo');
    if (p.wireFormat !== WireFormat.groupInfo) throw new ProtocolError(ErrorCode.badMessage, 'groupInfo: not an MLSMessage carrying a GroupInfo');
    if (!sameBytes(p.groupId, groupId)) throw new ProtocolError(ErrorCode.badMessage, 'groupInfo: group_id differs from the group');
    if (p.epoch !== epoch) throw new ProtocolError(ErrorCode.badMessage, `groupInfo: epoch ${p.epoch}, expected ${epoch}`);
    return b;
  }

  private stateBytes(g: PublicGroup): Uint8Array {
    const bytes = publicGroupBytes(g);
    const max = this.ctx.config.maxGroupStateBytes;
    if (bytes.length > max) throw new ProtocolError(ErrorCode.tooLarge, `the group's public state would be ${bytes.length} bytes, more than ${max}`);
    return bytes;
  }

  private async snapshot(groupId: Uint8Array, epoch: bigint): Promise<GroupStateRecord> {
    const rec = await this.ctx.storage.getGroupState(groupId);
    if (rec === undefined) throw noGroup();
    if (epoch !== rec.epoch) throw staleEpoch(rec.epoch);
    return rec;
  }

  // ---------------------------------------------------------------- group.create

  async create(me: DeviceRef, req: Json): Promise<Json> {
    const { config, storage } = this.ctx;
    const groupId = this.groupId(req.groupId);
    const allowExternalJoin = optBool(req.allowExternalJoin, 'allowExternalJoin');
    if (req.groupInfo === undefined) {
      throw new ProtocolError(ErrorCode.badRequest, 'groupInfo: required: the MLSMessage(GroupInfo) of epoch 0 with the ratchet_tree extension (the DS follows the group from it)');
    }
    const gi = this.groupInfoField(req.groupInfo, groupId, 0n);
    const view = engine('groupInfo', () => publicGroupFromGroupInfo(gi, { maxTreeLeaves: config.maxTreeLeaves }));
    if (!config.suites.includes(view.cipherSuite)) {
      throw new ProtocolError(ErrorCode.badMessage, `groupInfo: cipher suite ${view.cipherSuite} is not one this server accepts (${config.suites.join(', ')})`);
    }
    const leaves = view.tree.memberLeaves();
    if (leaves.length !== 1) throw new ProtocolError(ErrorCode.badRoster, `groupInfo: a new group has one member, its creator; this tree has ${leaves.length}`);
    const creator = await leafDevice(view.tree.leaf(leaves[0]!)!, "groupInfo: the creator's leaf", this.keyOf());
    if (!sameDevice(creator, me)) throw new ProtocolError(ErrorCode.badCredential, `groupInfo: the creator's leaf is ${devKey(creator)}'s, not ${devKey(me)}'s`);
    const r = await storage.createGroup(groupId, me, allowExternalJoin, gi, this.stateBytes(view), this.ctx.now());
    if (r === 'group_exists') throw new ProtocolError(ErrorCode.groupExists, 'a group with this id exists');
    return { groupId: toB64(groupId), epoch: '0' };
  }

  // ---------------------------------------------------------------- group.commit

  async commit(s: Session, me: DeviceRef, req: Json): Promise<Json> {
    const { config, storage } = this.ctx;
    const data = b64Field(req.commit, 'commit', config.maxMessageBytes, 1);
    const p = peek(data, 'commit');
    if (p.wireFormat !== WireFormat.publicMessage && p.wireFormat !== WireFormat.privateMessage) {
      throw new ProtocolError(ErrorCode.badMessage, 'commit: not a PublicMessage or PrivateMessage');
    }
    if (p.contentType !== ContentType.commit) throw new ProtocolError(ErrorCode.wrongContentType, `commit: content type ${p.contentType} is not commit (3)`);
    if (p.wireFormat === WireFormat.privateMessage) {
      throw new ProtocolError(ErrorCode.privateHandshake, 'commit: a PrivateMessage; commits must be PublicMessages so the DS can follow the group\'s tree');
    }
    const external = p.senderType === SenderType.newMemberCommit;
    if (p.senderType !== SenderType.member && !external) throw new ProtocolError(ErrorCode.badMessage, `commit: sender type ${p.senderType} cannot commit`);
    const groupInfo = req.groupInfo === undefined ? null : this.groupInfoField(req.groupInfo, p.groupId, p.epoch + 1n);
    const welcomes: PostedWelcome[] = (req.welcomes === undefined ? [] : arrayField(req.welcomes, 'welcomes', MAX_LIST)).map((w, i) => {
      const o = objField(w, `welcomes[${i}]`);
      const wd = b64Field(o.welcome, `welcomes[${i}].welcome`, config.maxMessageBytes, 1);
      if (peek(wd, `welcomes[${i}].welcome`).wireFormat !== WireFormat.welcome) {
        throw new ProtocolError(ErrorCode.badMessage, `welcomes[${i}].welcome: not an MLSMessage carrying a Welcome`);
      }
      const to = arrayField(o.to, `welcomes[${i}].to`, MAX_LIST).map((d, j) => deviceField(d, `welcomes[${i}].to[${j}]`));
      return { data: wd, to };
    });
    const add = req.add === undefined ? undefined : arrayField(req.add, 'add', MAX_LIST).map((d, i) => deviceField(d, `add[${i}]`));
    const remove = req.remove === undefined ? undefined : arrayField(req.remove, 'remove', MAX_LIST).map((d, i) => deviceField(d, `remove[${i}]`));

    for (let attempt = 0; attempt < STATE_ATTEMPTS; attempt++) {
      const rec = await this.snapshot(p.groupId, p.epoch);
      // Cheap refusals first: the engine runs only for devices that may commit at all.
      const mine = await storage.getMembership(p.groupId, me);
      if (!external && !accepted(mine)) throw notMember(mine);
      if (external && !rec.allowExternalJoin && !accepted(mine)) throw new ProtocolError(ErrorCode.notAuthorized, 'the group does not allow external joins');
      const view = this.ctx.states.load(rec);
      const r = engine('commit', () => processPublicMessage(view, data));
      if (r.kind !== 'commit') throw new Error('internal: a commit processed as a proposal');
      if (r.group.tree.nLeaves > config.maxTreeLeaves) {
        throw new ProtocolError(ErrorCode.tooLarge, `commit: the tree would have ${r.group.tree.nLeaves} leaves, more than ${config.maxTreeLeaves}`);
      }
      const change = await rosterChange(r, me, this.keyOf(), config.maxLeafBytes);
      if (change.access === 'external' && !rec.allowExternalJoin) {
        throw new ProtocolError(ErrorCode.notAuthorized, 'the group does not allow external joins (a member may only resync: remove its own old leaf)');
      }
      checkDeclared(add, change.leavesAdded, 'add');
      checkDeclared(remove, change.leavesRemoved, 'remove');
      checkWelcomes(welcomes, change.invited, view.cipherSuite);
      if (groupInfo !== null) engine('groupInfo', () => checkGroupInfo(r.group, groupInfo));
      const publicState = this.stateBytes(r.group);
      const now = this.ctx.now();
      const res = await storage.postCommit({
        groupId: p.groupId,
        epoch: p.epoch,
        sender: me,
        access: change.access,
        data,
        state: { expectedRev: rec.stateRev, publicState },
        groupInfo,
        invited: change.invited.map((i) => i.device),
        joined: change.joined,
        removed: change.removed,
        welcomes,
        now,
      });
      if (!res.ok && res.code === 'changed') continue;
      if (!res.ok) {
        throw postRefusal(res, change.access === 'resync' ? 'only an accepted member may resync (an invited device accepts first)' : 'the group does not allow external joins');
      }
      this.ctx.states.remember(p.groupId, rec.stateRev + 1, r.group, publicState.length);
      this.ctx.notifier.message({ groupId: p.groupId, seq: res.seq, epoch: p.epoch, kind: 'commit', sender: me, data, createdAt: now }, res.recipients, s);
      for (const w of res.welcomeIds) {
        this.ctx.notifier.welcome(w.device, { id: w.id, groupId: p.groupId, epoch: res.epoch, data: welcomes[w.index]!.data, sender: me, createdAt: now });
      }
      return { groupId: toB64(p.groupId), seq: res.seq, epoch: res.epoch.toString() };
    }
    throw busy();
  }

  // ---------------------------------------------------------------- group.send

  async send(s: Session, me: DeviceRef, req: Json): Promise<Json> {
    const { config, storage } = this.ctx;
    const data = b64Field(req.message, 'message', config.maxMessageBytes, 1);
    const p = peek(data, 'message');
    if (p.wireFormat !== WireFormat.publicMessage && p.wireFormat !== WireFormat.privateMessage) {
      throw new ProtocolError(ErrorCode.badMessage, 'message: not a PublicMessage or PrivateMessage');
    }
    if (p.contentType === ContentType.commit) throw new ProtocolError(ErrorCode.wrongContentType, 'message: commits are posted with group.commit');
    if (p.wireFormat === WireFormat.publicMessage && p.senderType === SenderType.newMemberCommit) {
      throw new ProtocolError(ErrorCode.badMessage, 'message: sender type new_member_commit on a proposal');
    }
    const now = this.ctx.now();
    if (p.contentType === ContentType.application) {
      // PrivateMessage (peek refuses application PublicMessages): the DS cannot read it, only file it.
      const r = await storage.appendMessage({ groupId: p.groupId, epoch: p.epoch, kind: 'application', sender: me, access: 'member', data, state: null, pastEpochs: config.pastEpochs, now });
      if (!r.ok) {
        if (r.code === 'changed') throw new Error('internal: an application message raced the state');
        if (r.code === 'not_member') throw notMember(await storage.getMembership(p.groupId, me));
        throw postRefusal(r, 'non-members may not post application messages');
      }
      this.ctx.notifier.message({ groupId: p.groupId, seq: r.seq, epoch: p.epoch, kind: 'application', sender: me, data, createdAt: now }, r.recipients, s);
      return { groupId: toB64(p.groupId), seq: r.seq };
    }
    if (p.wireFormat === WireFormat.privateMessage) {
      throw new ProtocolError(ErrorCode.privateHandshake, 'message: a PrivateMessage proposal; proposals must be PublicMessages so the DS can follow the group\'s tree');
    }
    return this.propose(s, me, data, p);
  }

  private async propose(s: Session, me: DeviceRef, data: Uint8Array, p: Extract<Peeked, { wireFormat: 1 }>): Promise<Json> {
    const { config, storage } = this.ctx;
    for (let attempt = 0; attempt < STATE_ATTEMPTS; attempt++) {
      const rec = await this.snapshot(p.groupId, p.epoch);
      let access: Exclude<Access, 'resync'>;
      const mine = await storage.getMembership(p.groupId, me);
      if (p.senderType === SenderType.member) {
        if (accepted(mine)) access = 'member';
        else if (mine?.status === 'declined' && mine.leaveSeq === null && !mine.proposalUsed) access = 'declined';
        else throw notMember(mine);
      } else {
        if (!rec.allowExternalJoin) throw new ProtocolError(ErrorCode.notAuthorized, 'the group does not accept proposals from non-members');
        access = 'external';
      }
      const view = this.ctx.states.load(rec);
      const r = engine('message', () => processPublicMessage(view, data));
      if (r.kind !== 'proposal') throw new Error('internal: a proposal processed as a commit');
      await this.checkProposal(view, r.proposal, r.sender, me, access);
      if (r.group.pendingProposals.length > config.maxPendingProposals) {
        throw new ProtocolError(ErrorCode.limitExceeded, `the group has ${config.maxPendingProposals} proposals pending in this epoch: commit them first`);
      }
      const publicState = this.stateBytes(r.group);
      const now = this.ctx.now();
      const res = await storage.appendMessage({
        groupId: p.groupId,
        epoch: p.epoch,
        kind: 'proposal',
        sender: me,
        access,
        data,
        state: { expectedRev: rec.stateRev, publicState },
        pastEpochs: config.pastEpochs,
        now,
      });
      if (!res.ok && res.code === 'changed') continue;
      if (!res.ok) throw postRefusal(res, 'the group does not accept proposals from non-members');
      this.ctx.states.remember(p.groupId, rec.stateRev + 1, r.group, publicState.length);
      this.ctx.notifier.message({ groupId: p.groupId, seq: res.seq, epoch: p.epoch, kind: 'proposal', sender: me, data, createdAt: now }, res.recipients, s);
      return { groupId: toB64(p.groupId), seq: res.seq };
    }
    throw busy();
  }

  /** The Arbor rules for a proposal: a member proposes from its own leaf; leaves it brings are registered devices'. */
  private async checkProposal(
    view: PublicGroup,
    proposal: Proposal,
    sender: Sender,
    me: DeviceRef,
    access: Exclude<Access, 'resync'>,
  ): Promise<void> {
    const keyOf = this.keyOf();
    const bad = (why: string): ProtocolError => new ProtocolError(ErrorCode.badCredential, `message: ${why}`);
    if (sender.senderType === SenderType.member) {
      const leaf = view.tree.leaf(sender.leafIndex)!;
      const d = deviceOfCredential(leaf.credential);
      if (typeof d === 'string' || !sameDevice(d, me)) throw bad(`proposed by leaf ${sender.leafIndex}, which is not ${devKey(me)}'s`);
      if (access === 'declined' && !(proposal.proposalType === ProposalType.remove && proposal.remove.removed === sender.leafIndex)) {
        throw new ProtocolError(ErrorCode.notMember, 'a device that declined may only propose the removal of its own leaf');
      }
    }
    if (proposal.proposalType === ProposalType.add) {
      const d = await leafDevice(proposal.add.keyPackage.leafNode, 'message: the Add\'s KeyPackage', keyOf);
      if (sender.senderType === SenderType.newMemberProposal && !sameDevice(d, me)) throw bad(`a new member may only propose to add itself, not ${devKey(d)}`);
    }
    if (proposal.proposalType === ProposalType.update && sender.senderType === SenderType.member) {
      const d = await leafDevice(proposal.update.leafNode, 'message: the Update\'s leaf', keyOf);
      if (!sameDevice(d, me)) throw bad(`an Update keeps the leaf's device (${devKey(me)}), not ${devKey(d)}`);
    }
  }

  // ---------------------------------------------------------------- reading

  /** The device's membership, if it may read the group (accepted; or removed with messages left). */
  private async readable(me: DeviceRef, groupId: Uint8Array): Promise<Membership> {
    const m = await this.ctx.storage.getMembership(groupId, me);
    if (m === undefined || m.status !== 'member') {
      if (m === undefined && (await this.ctx.storage.getGroup(groupId)) === undefined) throw noGroup();
      throw notMember(m);
    }
    return m;
  }

  async fetch(me: DeviceRef, req: Json): Promise<Json> {
    const { config } = this.ctx;
    const groupId = this.groupId(req.groupId);
    const m = await this.readable(me, groupId);
    const after = req.after === undefined ? m.acked : intField(req.after, 'after', 0, Number.MAX_SAFE_INTEGER);
    const limit = optIntField(req.limit, 'limit', 1, config.fetchMaxLimit, config.fetchDefaultLimit);
    const r = await this.ctx.storage.fetchMessages(groupId, me, after, pageLimit(config.maxFrameBytes, limit));
    return { groupId: toB64(groupId), messages: r.messages.map(messageJson), more: r.more, acked: m.acked };
  }

  async ack(s: Session, me: DeviceRef, req: Json): Promise<Json> {
    const groupId = this.groupId(req.groupId);
    const seq = intField(req.seq, 'seq', 0, Number.MAX_SAFE_INTEGER);
    await this.readable(me, groupId);
    const r = await this.ctx.storage.ack(groupId, me, seq);
    if (r === undefined) throw new ProtocolError(ErrorCode.notMember, 'this device is not a member of the group');
    this.ctx.notifier.acked(s, groupId, r.acked);
    return { groupId: toB64(groupId), acked: r.acked };
  }

  async list(me: DeviceRef, req: Json): Promise<Json> {
    const { config } = this.ctx;
    const after = req.after === undefined ? null : this.groupId(req.after);
    const limit = optIntField(req.limit, 'limit', 1, config.fetchMaxLimit, config.fetchMaxLimit);
    const list = await this.ctx.storage.listGroups(me, after, limit + 1);
    const page = list.slice(0, limit);
    return {
      groups: page.map((g) => ({
        groupId: toB64(g.groupId),
        epoch: g.epoch.toString(),
        lastSeq: g.lastSeq,
        acked: g.acked,
        member: g.leaveSeq === null,
        ...(g.leaveSeq === null ? {} : { leaveSeq: g.leaveSeq }),
      })),
      more: list.length > limit,
    };
  }

  async roster(me: DeviceRef, req: Json): Promise<Json> {
    const groupId = this.groupId(req.groupId);
    const m = await this.readable(me, groupId);
    if (m.leaveSeq !== null) throw new ProtocolError(ErrorCode.notMember, 'this device was removed from the group');
    const after = req.after === undefined ? null : deviceField(req.after, 'after');
    const limit = optIntField(req.limit, 'limit', 1, ROSTER_PAGE_MAX, ROSTER_PAGE);
    const g = await this.ctx.storage.getGroup(groupId);
    const list = await this.ctx.storage.listRoster(groupId, after, limit + 1);
    return {
      groupId: toB64(groupId),
      epoch: (g?.epoch ?? 0n).toString(),
      devices: list.slice(0, limit).map((d) => ({ userId: d.userId, deviceId: d.deviceId, status: d.status })),
      more: list.length > limit,
    };
  }

  async info(me: DeviceRef, req: Json): Promise<Json> {
    const groupId = this.groupId(req.groupId);
    const g = await this.ctx.storage.getGroup(groupId);
    if (g === undefined) throw noGroup();
    if (!g.allowExternalJoin) {
      const m = await this.ctx.storage.getMembership(groupId, me);
      if (!accepted(m)) throw new ProtocolError(ErrorCode.notMember, 'the group does not allow external joins', m === undefined ? {} : { status: m.status });
    }
    const gi = await this.ctx.storage.getGroupInfo(groupId);
    return { groupId: toB64(groupId), epoch: gi === undefined ? null : gi.epoch.toString(), groupInfo: gi === undefined ? null : toB64(gi.data) };
  }

  // ---------------------------------------------------------------- invitations

  async listWelcomes(me: DeviceRef, req: Json): Promise<Json> {
    const { config } = this.ctx;
    const limit = optIntField(req.limit, 'limit', 1, config.fetchMaxLimit, config.fetchDefaultLimit);
    // Pending invitations stay queued until answered, so a device with many needs to page past them.
    const after = optIntField(req.after, 'after', 0, Number.MAX_SAFE_INTEGER, 0);
    const r = await this.ctx.storage.listWelcomes(me, pageLimit(config.maxFrameBytes, limit), after);
    return { welcomes: r.welcomes.map(welcomeJson), more: r.more };
  }

  private welcomeIds(req: Json): number[] {
    return arrayField(req.ids, 'ids', MAX_LIST).map((v, i) => intField(v, `ids[${i}]`, 1, Number.MAX_SAFE_INTEGER));
  }

  async acceptWelcomes(me: DeviceRef, req: Json): Promise<Json> {
    const r = await this.ctx.storage.ackWelcomes(me, this.welcomeIds(req));
    return { removed: r.removed, accepted: r.accepted.map(toB64) };
  }

  async declineWelcomes(me: DeviceRef, req: Json): Promise<Json> {
    const r = await this.ctx.storage.declineWelcomes(me, this.welcomeIds(req));
    return { removed: r.removed, declined: r.declined.map(toB64) };
  }
}
