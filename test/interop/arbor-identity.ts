// An Arbor member's long-lived identity (signature key pair, basic credential,
// the capabilities its application supports) and the KeyPackages it makes,
// through Arbor's public API (main/mls/index.ts), as a messenger makes them.
import type { CipherSuite } from '../../main/mls/crypto/provider.js';
import * as mls from '../../main/mls/index.js';
import type { KeyPackageWithSecrets } from '../../main/mls/messages/key-package-create.js';
import { mlsMessageBytes } from '../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from '../../main/mls/group/group-context.js';

export class ArborIdentity {
  /** The public API's identity: credential, keys and the application's capabilities. */
  readonly client: mls.ClientIdentity;

  constructor(
    readonly identity: string,
    readonly suite: CipherSuite,
    capabilities?: mls.AppCapabilities,
  ) {
    if (suite.id < 1 || suite.id > 7) throw new Error(`no cipher suite ${suite.id}`);
    this.client = mls.createIdentity(suite.id as mls.CipherSuiteId, identity, suite.signature.generateKeyPair(), capabilities === undefined ? {} : { capabilities });
  }

  get signaturePrivateKey(): Uint8Array {
    return this.client.signaturePrivateKey;
  }

  get signaturePublicKey(): Uint8Array {
    return this.client.signaturePublicKey;
  }

  /** A fresh KeyPackage valid from an hour ago for 30 days (mls.createKeyPackage), with its private keys. */
  newKeyPackage(): KeyPackageWithSecrets {
    const b = mls.createKeyPackage(this.client, { lifetimeSeconds: 30 * 86400 });
    return { keyPackage: mls.parseKeyPackage(b.keyPackage), ref: b.ref, initPrivateKey: b.initPrivateKey, encryptionPrivateKey: b.encryptionPrivateKey };
  }
}

export function keyPackageMessage(kp: KeyPackageWithSecrets): Uint8Array {
  return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsKeyPackage, keyPackage: kp.keyPackage });
}
