// key-schedule.json: RFC 9420 §8 epoch chains. Each case starts from
// initial_init_secret and walks its epochs, checking the encoded GroupContext,
// every epoch secret, the external public key and one MLS-Exporter output.
import { decode } from '../../main/mls/codec/decoder.js';
import type { CryptoProvider } from '../../main/mls/crypto/provider.js';
import { isCipherSuiteId } from '../../main/mls/crypto/provider.js';
import { decodeGroupContext, groupContextBytes, PROTOCOL_VERSION_MLS10, type GroupContext } from '../../main/mls/group/group-context.js';
import {
  deriveEpochSecrets,
  epochSecretsFromJoiner,
  externalKeyPair,
  mlsExporter,
  welcomeSecretFromJoiner,
  type EpochSecrets,
} from '../../main/mls/schedule/key-schedule.js';
import { SkipCase } from './types.js';
import { expectBytes, expectTrue, hex, num } from './check.js';

const SECRETS: [keyof EpochSecrets, string][] = [
  ['joinerSecret', 'joiner_secret'],
  ['welcomeSecret', 'welcome_secret'],
  ['senderDataSecret', 'sender_data_secret'],
  ['encryptionSecret', 'encryption_secret'],
  ['exporterSecret', 'exporter_secret'],
  ['externalSecret', 'external_secret'],
  ['confirmationKey', 'confirmation_key'],
  ['membershipKey', 'membership_key'],
  ['resumptionPsk', 'resumption_psk'],
  ['epochAuthenticator', 'epoch_authenticator'],
  ['initSecret', 'init_secret'],
];

export function runCase(c: unknown, provider: CryptoProvider): void {
  const cs = num(c, 'cipher_suite');
  if (!isCipherSuiteId(cs)) throw new SkipCase(`unsupported cipher suite ${cs}`);
  const suite = provider.getSuite(cs);
  const groupId = hex(c, 'group_id');
  let initSecret = hex(c, 'initial_init_secret');
  const epochs = (c as { epochs: unknown[] }).epochs;
  expectTrue('epochs is a non-empty array', Array.isArray(epochs) && epochs.length > 0);
  epochs.forEach((ep, i) => {
    const at = `epoch ${i}`;
    const gc: GroupContext = {
      version: PROTOCOL_VERSION_MLS10,
      cipherSuite: cs,
      groupId,
      epoch: BigInt(i),
      treeHash: hex(ep, 'tree_hash'),
      confirmedTranscriptHash: hex(ep, 'confirmed_transcript_hash'),
      extensions: [],
    };
    const gcBytes = hex(ep, 'group_context');
    expectBytes(`${at} group_context`, groupContextBytes(gc), gcBytes);
    expectBytes(`${at} group_context re-encoded`, groupContextBytes(decode(decodeGroupContext, gcBytes, 'GroupContext')), gcBytes);
    const pskSecret = hex(ep, 'psk_secret');
    const s = deriveEpochSecrets(suite, { initSecret, commitSecret: hex(ep, 'commit_secret'), pskSecret, groupContext: gc });
    for (const [field, name] of SECRETS) expectBytes(`${at} ${name}`, s[field], hex(ep, name));
    // The joiner path (a Welcome recipient) must land on the same secrets.
    expectBytes(`${at} welcome_secret (joiner path)`, welcomeSecretFromJoiner(suite, s.joinerSecret, pskSecret), s.welcomeSecret);
    const j = epochSecretsFromJoiner(suite, s.joinerSecret, pskSecret, gc);
    for (const [field, name] of SECRETS) expectBytes(`${at} ${name} (joiner path)`, j[field], hex(ep, name));
    expectBytes(`${at} external_pub`, externalKeyPair(suite, s.externalSecret).publicKey, hex(ep, 'external_pub'));
    const ex = (ep as { exporter: { label: unknown } }).exporter;
    // The vectors' exporter label is used as text: the hex string itself, not the bytes it spells.
    const label = ex.label;
    if (typeof label !== 'string') throw new Error(`${at} exporter.label is not a string`);
    expectBytes(
      `${at} exporter.secret`,
      mlsExporter(suite, s.exporterSecret, label, hex(ex, 'context'), num(ex, 'length')),
      hex(ex, 'secret'),
    );
    initSecret = s.initSecret;
  });
}
