// welcome.json (mlswg/mls-implementations "Welcome"): find our entry in the
// Welcome by KeyPackageRef, decrypt the GroupSecrets with init_priv and the
// GroupInfo with the welcome key, verify the GroupInfo signature with
// signer_pub, and recompute the confirmation tag from the joiner secret (no PSKs).

import type { CryptoProvider } from '../../main/mls/crypto/provider.js';
import { isCipherSuiteId } from '../../main/mls/crypto/provider.js';
import { parseMLSMessage } from '../../main/mls/framing/mls-message.js';
import { computeConfirmationTag } from '../../main/mls/framing/transcript-hash.js';
import { WireFormat } from '../../main/mls/framing/wire-format.js';
import { verifyGroupInfoSignature } from '../../main/mls/messages/group-info.js';
import { keyPackageRef } from '../../main/mls/messages/key-package.js';
import { findWelcomeSecrets } from '../../main/mls/messages/welcome.js';
import { decryptGroupInfo, decryptGroupSecrets } from '../../main/mls/messages/welcome-crypto.js';
import { epochSecretsFromJoiner, welcomeSecretFromJoiner } from '../../main/mls/schedule/key-schedule.js';
import { expectBytes, expectTrue, hex, num } from './check.js';
import { SkipCase } from './types.js';

export function runCase(c: unknown, provider: CryptoProvider): void {
  const cs = num(c, 'cipher_suite');
  if (!isCipherSuiteId(cs)) throw new SkipCase(`unsupported cipher suite ${cs}`);
  const suite = provider.getSuite(cs);
  const kpMsg = parseMLSMessage(hex(c, 'key_package'));
  if (kpMsg.wireFormat !== WireFormat.mlsKeyPackage) throw new Error('key_package is not an MLSMessage(KeyPackage)');
  const wMsg = parseMLSMessage(hex(c, 'welcome'));
  if (wMsg.wireFormat !== WireFormat.mlsWelcome) throw new Error('welcome is not an MLSMessage(Welcome)');
  const welcome = wMsg.welcome;
  const entry = findWelcomeSecrets(welcome, keyPackageRef(suite, kpMsg.keyPackage));
  if (entry === undefined) throw new Error('no Welcome entry for key_package');
  const gs = decryptGroupSecrets(suite, hex(c, 'init_priv'), welcome.encryptedGroupInfo, entry.encryptedGroupSecrets);
  const gi = decryptGroupInfo(suite, welcomeSecretFromJoiner(suite, gs.joinerSecret), welcome.encryptedGroupInfo);
  expectTrue('GroupInfo signature with signer_pub', verifyGroupInfoSignature(suite, gi, hex(c, 'signer_pub')));
  const secrets = epochSecretsFromJoiner(suite, gs.joinerSecret, undefined, gi.groupContext);
  expectBytes('confirmation_tag', computeConfirmationTag(suite, secrets.confirmationKey, gi.groupContext.confirmedTranscriptHash), gi.confirmationTag);
}
