// RFC 9420 §5.3: Credential. Basic credentials carry an application-defined
// identity; x509 credentials carry a DER certificate chain, kept and compared as
// bytes (certificate checking is the application's Authentication Service hook).
//
// Unknown credential types: the RFC gives them no wire layout, yet a credential
// type outside the registry may legitimately appear when members advertise it in
// their capabilities (§7.2). We decode such a credential's body as one opaque<V>
// (the layout mls-rs uses for custom credentials) and keep its type, so a tree
// containing one still decodes and round-trips; whether the type is acceptable is
// decided by validation (§7.3: every member must list it in capabilities.credentials),
// never by the decoder. Credential type 0 is reserved and is a DecodeError. Nor
// does the decoder judge an x509 chain (not even an empty one): credential
// content is the application's to validate (§5.3.1, tree/leaf-validation.ts).

import type { Decoder } from '../codec/decoder.js';
import type { Encoder } from '../codec/encoder.js';
import { equalBytes } from '../util/bytes.js';

/** RFC 9420 §17.5: MLS Credential Types. */
export const CredentialType = {
  basic: 0x0001,
  x509: 0x0002,
} as const;
export type CredentialTypeValue = number;

// RFC 9420 §5.3
export interface Certificate {
  readonly certData: Uint8Array;
}

// RFC 9420 §5.3
export type Credential =
  | { readonly credentialType: typeof CredentialType.basic; readonly identity: Uint8Array }
  | { readonly credentialType: typeof CredentialType.x509; readonly certificates: readonly Certificate[] }
  | { readonly credentialType: number; readonly data: Uint8Array };

export function basicCredential(identity: Uint8Array): Credential {
  return { credentialType: CredentialType.basic, identity };
}

export function encodeCertificate(e: Encoder, v: Certificate): void {
  e.opaque(v.certData);
}

export function decodeCertificate(d: Decoder): Certificate {
  return { certData: d.opaque('cert_data') };
}

export function encodeCredential(e: Encoder, v: Credential): void {
  e.u16(v.credentialType);
  if ('identity' in v) e.opaque(v.identity);
  else if ('certificates' in v) e.vector(v.certificates, encodeCertificate);
  else e.opaque(v.data);
}

export function decodeCredential(d: Decoder): Credential {
  const credentialType = d.u16('credential_type');
  switch (credentialType) {
    case 0:
      return d.fail('credential_type', 'credential type 0 is reserved');
    case CredentialType.basic:
      return { credentialType, identity: d.opaque('identity') };
    case CredentialType.x509:
      // An empty chain decodes: whether it is acceptable is the Authentication Service's call (§5.3.1).
      return { credentialType, certificates: d.vector('certificates', decodeCertificate) };
    default:
      return { credentialType, data: d.opaque('data') };
  }
}

/** Byte-wise equality of two credentials (same type, same identity or chain). */
export function credentialsEqual(a: Credential, b: Credential): boolean {
  if (a.credentialType !== b.credentialType) return false;
  if ('identity' in a && 'identity' in b) return equalBytes(a.identity, b.identity);
  if ('certificates' in a && 'certificates' in b) {
    return a.certificates.length === b.certificates.length && a.certificates.every((c, i) => equalBytes(c.certData, b.certificates[i]!.certData));
  }
  if ('data' in a && 'data' in b) return equalBytes(a.data, b.data);
  return false;
}
