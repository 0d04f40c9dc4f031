// RFC 9420 §8.3: the init_secret of an epoch entered by an external commit,
// from the joiner's ExternalInit kem_output and the group's external key pair:
//   context = SetupBaseR(kem_output, external_priv, "")
//   init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)

import type { CipherSuite } from '../crypto/provider.js';
import { CryptoError } from '../errors.js';
import { externalKeyPair } from '../schedule/key-schedule.js';
import { utf8 } from '../util/bytes.js';

const EXTERNAL_INIT_LABEL = utf8('MLS 1.0 external init secret');

export function externalInitSecret(suite: CipherSuite, externalSecret: Uint8Array, kemOutput: Uint8Array): Uint8Array {
  const kp = externalKeyPair(suite, externalSecret);
  try {
    return suite.hpke.receiveExport(kp.privateKey, kemOutput, new Uint8Array(0), EXTERNAL_INIT_LABEL, suite.kdf.size);
  } catch (e) {
    if (e instanceof CryptoError) throw new CryptoError(`ExternalInit.kem_output: ${e.message}`);
    throw e;
  }
}
