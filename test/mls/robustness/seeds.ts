// Valid seed inputs for the decoder fuzz, taken from the official test vectors
// (../shared/mls-test-vectors) and, where the vectors have no such structure on
// its own, built from them by re-encoding a decoded part.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decode } from '../../../main/mls/codec/decoder.js';
import { encode } from '../../../main/mls/codec/encoder.js';
import { encodeExtensions } from '../../../main/mls/extensions/extension.js';
import { ContentType } from '../../../main/mls/framing/content-type.js';
import { decodeMLSMessage } from '../../../main/mls/framing/mls-message.js';
import { encodePrivateMessageContent } from '../../../main/mls/framing/private-message-content.js';
import { encodeSenderData } from '../../../main/mls/framing/sender-data.js';
import { WireFormat } from '../../../main/mls/framing/wire-format.js';
import { encodeGroupContext } from '../../../main/mls/group/group-context.js';
import { encodeApplicationId } from '../../../main/mls/messages/application-id.js';
import { encodeExternalPub } from '../../../main/mls/messages/external-pub.js';
import { encodeExternalSenders } from '../../../main/mls/messages/external-senders.js';
import { encodeRequiredCapabilities } from '../../../main/mls/messages/required-capabilities.js';
import { decodePreSharedKey } from '../../../main/mls/messages/proposals/pre-shared-key.js';
import { encodePreSharedKeyID, PSKType, ResumptionPSKUsage } from '../../../main/mls/schedule/psk.js';
import { basicCredential } from '../../../main/mls/tree/credential.js';
import { encodeLeafNode } from '../../../main/mls/tree/leaf-node.js';
import { leafIndex } from '../../../main/mls/tree/math.js';
import { decodeRatchetTree } from '../../../main/mls/tree/ratchet-tree-codec.js';
import { concat, fromHex, utf8 } from '../../../main/mls/util/bytes.js';
import type { Seed } from './probe.js';

const DIR = fileURLToPath(new URL('../../../../shared/mls-test-vectors/', import.meta.url));

type Case = Record<string, unknown>;

export function vectorFile(name: string): Case[] {
  return JSON.parse(readFileSync(DIR + name, 'utf8')) as Case[];
}

function hexField(c: Case, f: string): Uint8Array {
  const v = c[f];
  if (typeof v !== 'string') throw new Error(`vector field ${f} is not a hex string`);
  return fromHex(v);
}

/** `count` cases of a file, spread evenly over it (deterministic). */
function spreadCases(cases: readonly Case[], count: number): { c: Case; i: number }[] {
  const n = Math.min(count, cases.length);
  return Array.from({ length: n }, (_, k) => {
    const i = Math.floor((k * cases.length) / n);
    return { c: cases[i]!, i };
  });
}

let messagesCache: Case[] | undefined;
function messages(): Case[] {
  return (messagesCache ??= vectorFile('messages.json'));
}

/** messages.json fields of `count` cases, as seeds named `messages[i].field`. */
export function messageSeeds(fields: readonly string[], count: number, strip = 0): Seed[] {
  return spreadCases(messages(), count).flatMap(({ c, i }) =>
    fields.map((f) => ({ name: `messages[${i}].${f}${strip > 0 ? `[${strip}:]` : ''}`, bytes: hexField(c, f).slice(strip) })),
  );
}

const PROPOSAL_FIELDS: readonly [string, number][] = [
  ['add_proposal', 1],
  ['update_proposal', 2],
  ['remove_proposal', 3],
  ['pre_shared_key_proposal', 4],
  ['re_init_proposal', 5],
  ['external_init_proposal', 6],
  ['group_context_extensions_proposal', 7],
];

/** Proposal = uint16 proposal_type then the body the vectors give. */
export function proposalSeeds(count: number): Seed[] {
  return spreadCases(messages(), count).flatMap(({ c, i }) =>
    PROPOSAL_FIELDS.map(([f, t]) => ({ name: `u16(${t}) || messages[${i}].${f}`, bytes: concat(Uint8Array.of(0, t), hexField(c, f)) })),
  );
}

function mlsMessage(c: Case, f: string): ReturnType<typeof decodeMLSMessage> {
  return decode(decodeMLSMessage, hexField(c, f), f);
}

export function leafNodeSeeds(count: number): Seed[] {
  const out: Seed[] = [];
  for (const { c, i } of spreadCases(messages(), count)) {
    const kp = mlsMessage(c, 'mls_key_package');
    if (kp.wireFormat === WireFormat.mlsKeyPackage) out.push({ name: `messages[${i}] key package leaf`, bytes: encode(encodeLeafNode, kp.keyPackage.leafNode) });
    const tree = decode(decodeRatchetTree, hexField(c, 'ratchet_tree'), 'ratchet_tree');
    tree.nodes.forEach((n, x) => {
      if (n?.nodeType === 1) out.push({ name: `messages[${i}].ratchet_tree node ${x}`, bytes: encode(encodeLeafNode, n.leaf) });
    });
  }
  return out;
}

export function groupContextSeeds(count: number): Seed[] {
  return spreadCases(messages(), count).flatMap(({ c, i }) => {
    const gi = mlsMessage(c, 'mls_group_info');
    return gi.wireFormat === WireFormat.mlsGroupInfo ? [{ name: `messages[${i}] group_info.group_context`, bytes: encode(encodeGroupContext, gi.groupInfo.groupContext) }] : [];
  });
}

export function extensionListSeeds(count: number): Seed[] {
  return spreadCases(messages(), count).flatMap(({ c, i }) => {
    const gi = mlsMessage(c, 'mls_group_info');
    const kp = mlsMessage(c, 'mls_key_package');
    const out: Seed[] = [];
    if (gi.wireFormat === WireFormat.mlsGroupInfo) out.push({ name: `messages[${i}] group_info.extensions`, bytes: encode(encodeExtensions, gi.groupInfo.extensions) });
    if (kp.wireFormat === WireFormat.mlsKeyPackage) out.push({ name: `messages[${i}] key_package.leaf_node.extensions`, bytes: encode(encodeExtensions, kp.keyPackage.leafNode.extensions) });
    return out;
  });
}

export function pskIdSeeds(count: number): Seed[] {
  const fromVectors = spreadCases(messages(), count).map(({ c, i }) => ({
    name: `messages[${i}].pre_shared_key_proposal`,
    bytes: encode(encodePreSharedKeyID, decode(decodePreSharedKey, hexField(c, 'pre_shared_key_proposal'), 'PreSharedKey').psk),
  }));
  const resumption = encode(encodePreSharedKeyID, {
    psktype: PSKType.resumption,
    usage: ResumptionPSKUsage.reinit,
    pskGroupId: utf8('group'),
    pskEpoch: 7n,
    pskNonce: new Uint8Array(32).fill(9),
  });
  return [...fromVectors, { name: 'resumption psk id (built)', bytes: resumption }];
}

export function updatePathSeeds(count: number): Seed[] {
  const cases = spreadCases(vectorFile('treekem.json'), count);
  return cases.flatMap(({ c, i }) => {
    const paths = c.update_paths as Case[];
    const p = paths[0];
    return p === undefined ? [] : [{ name: `treekem[${i}].update_paths[0].update_path`, bytes: hexField(p, 'update_path') }];
  });
}

export function ratchetTreeSeeds(count: number): Seed[] {
  return [
    ...messageSeeds(['ratchet_tree'], count),
    ...spreadCases(vectorFile('tree-validation.json'), count).map(({ c, i }) => ({ name: `tree-validation[${i}].tree`, bytes: hexField(c, 'tree') })),
  ];
}

export function welcomeSeeds(count: number): Seed[] {
  return [
    ...messageSeeds(['mls_welcome'], count, 4),
    ...spreadCases(vectorFile('welcome.json'), count).map(({ c, i }) => ({ name: `welcome[${i}].welcome[4:]`, bytes: hexField(c, 'welcome').slice(4) })),
  ];
}

/** The extension payloads the engine reads (RFC 9420 §12.1.8.1, §11.1, §12.4.3.2, §5.3.3), built. */
export const payloadSeeds = {
  applicationId: [{ name: 'application_id "arbor-device-1"', bytes: encode(encodeApplicationId, { applicationId: utf8('arbor-device-1') }) }],
  requiredCapabilities: [
    { name: 'required_capabilities (5, 10 / 8 / 1, 2)', bytes: encode(encodeRequiredCapabilities, { extensionTypes: [5, 10], proposalTypes: [8], credentialTypes: [1, 2] }) },
    { name: 'required_capabilities empty', bytes: encode(encodeRequiredCapabilities, { extensionTypes: [], proposalTypes: [], credentialTypes: [] }) },
  ],
  externalPub: [{ name: 'external_pub 32 bytes', bytes: encode(encodeExternalPub, { externalPub: new Uint8Array(32).fill(0x42) }) }],
  externalSenders: [
    {
      name: 'external_senders (2 senders)',
      bytes: encode(encodeExternalSenders, [
        { signatureKey: new Uint8Array(32).fill(1), credential: basicCredential(utf8('server')) },
        { signatureKey: new Uint8Array(65).fill(4), credential: basicCredential(utf8('bot')) },
      ]),
    },
  ],
};

export function senderDataSeeds(): Seed[] {
  return [
    { name: 'sender_data leaf 0 gen 0', bytes: encode(encodeSenderData, { leafIndex: leafIndex(0), generation: 0, reuseGuard: Uint8Array.of(1, 2, 3, 4) }) },
    { name: 'sender_data leaf 5 gen 77', bytes: encode(encodeSenderData, { leafIndex: leafIndex(5), generation: 77, reuseGuard: Uint8Array.of(9, 9, 9, 9) }) },
  ];
}

/** PrivateMessageContent plaintexts built from the vectors' PublicMessages (same body and auth), with and without padding. */
export function privateContentSeeds(ct: ContentType, count: number): Seed[] {
  const field = ct === ContentType.application ? 'public_message_application' : ct === ContentType.proposal ? 'public_message_proposal' : 'public_message_commit';
  return spreadCases(messages(), count).flatMap(({ c, i }) => {
    const m = mlsMessage(c, field);
    if (m.wireFormat !== WireFormat.mlsPublicMessage) return [];
    const { groupId: _g, epoch: _e, sender: _s, authenticatedData: _a, ...body } = m.publicMessage.content;
    return [0, 5].map((pad) => ({
      name: `messages[${i}].${field} as PrivateMessageContent, ${pad} padding`,
      bytes: encode(encodePrivateMessageContent, { ...body, auth: m.publicMessage.auth, paddingLength: pad }),
    }));
  });
}
