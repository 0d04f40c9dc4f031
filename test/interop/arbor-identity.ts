// An Arbor member's long-lived identity (signature key pair, basic credential)
// and the KeyPackages it makes, through Arbor's own KeyPackage code.
import type { CipherSuite } from '../../main/mls/crypto/provider.js';
import { createKeyPackage, type KeyPackageWithSecrets } from '../../main/mls/messages/key-package-create.js';
import { mlsMessageBytes } from '../../main/mls/framing/mls-message.js';
import { WireFormat } from '../../main/mls/framing/wire-format.js';
import { PROTOCOL_VERSION_MLS10 } from '../../main/mls/group/group-context.js';
import { basicCredential } from '../../main/mls/tree/credential.js';
import { utf8 } from './peer.js';

export class ArborIdentity {
  readonly signaturePrivateKey: Uint8Array;
  readonly signaturePublicKey: Uint8Array;

  constructor(
    readonly identity: string,
    readonly suite: CipherSuite,
  ) {
    const kp = suite.signature.generateKeyPair();
    this.signaturePrivateKey = kp.privateKey;
    this.signaturePublicKey = kp.publicKey;
  }

  /** A fresh KeyPackage valid from an hour ago for 30 days. */
  newKeyPackage(): KeyPackageWithSecrets {
    const now = BigInt(Math.floor(Date.now() / 1000));
    return createKeyPackage(this.suite, {
      credential: basicCredential(utf8(this.identity)),
      signaturePrivateKey: this.signaturePrivateKey,
      signaturePublicKey: this.signaturePublicKey,
      lifetime: { notBefore: now - 3600n, notAfter: now + 30n * 86400n },
    });
  }
}

export function keyPackageMessage(kp: KeyPackageWithSecrets): Uint8Array {
  return mlsMessageBytes({ version: PROTOCOL_VERSION_MLS10, wireFormat: WireFormat.mlsKeyPackage, keyPackage: kp.keyPackage });
}
