// Real X.509 certificates for the tests, built here with a small DER encoder
// and signed with the engine's own signature schemes (Ed25519, ECDSA P-256):
// Node can parse and verify certificates (node:crypto X509Certificate) but not
// make them. x509.test.ts checks with Node's OpenSSL that these are genuine.
import { createPrivateKey, X509Certificate as NodeX509 } from 'node:crypto';
import { getProvider } from '../../../main/mls/crypto/index.js';
import type { CipherSuite, SignatureKeyPair } from '../../../main/mls/crypto/provider.js';
import type { CredentialValidator } from '../../../main/mls/tree/leaf-validation.js';

const enc = new TextEncoder();

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  return Uint8Array.from([tag, ...lengthBytes(content.length), ...content]);
}

export const cat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
export const seq = (...items: Uint8Array[]): Uint8Array => tlv(0x30, cat(...items));
export const set = (...items: Uint8Array[]): Uint8Array => tlv(0x31, cat(...items));
export const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(0xa0 + n, inner);
export const octets = (b: Uint8Array): Uint8Array => tlv(0x04, b);
export const bits = (b: Uint8Array): Uint8Array => tlv(0x03, cat(Uint8Array.of(0), b));
export const bool = (v: boolean): Uint8Array => tlv(0x01, Uint8Array.of(v ? 0xff : 0));

export function int(n: number): Uint8Array {
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  if (out.length === 0 || out[0]! >= 0x80) out.unshift(0);
  return tlv(0x02, Uint8Array.from(out));
}

export function oid(dotted: string): Uint8Array {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out: number[] = [40 * a! + b!];
  for (const arc of rest) {
    const group: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) group.unshift(0x80 | (v & 0x7f));
    out.push(...group);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** UTCTime for 1950–2049 (RFC 5280 §4.1.2.5), GeneralizedTime otherwise. */
export function time(d: Date): Uint8Array {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const y = d.getUTCFullYear();
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return y >= 1950 && y < 2050 ? tlv(0x17, enc.encode(`${p(y % 100)}${rest}`)) : tlv(0x18, enc.encode(`${p(y, 4)}${rest}`));
}

export const name = (cn: string): Uint8Array => seq(set(seq(oid('2.5.4.3'), tlv(0x0c, enc.encode(cn)))));

export const OID = {
  ed25519: '1.3.101.112',
  x25519: '1.3.101.110',
  ecPublicKey: '1.2.840.10045.2.1',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
} as const;

/** The SubjectPublicKeyInfo of a signature key in the suite's encoding (RFC 8410, RFC 5480). */
export function spkiFor(suite: CipherSuite, publicKey: Uint8Array): Uint8Array {
  switch (suite.signature.name) {
    case 'Ed25519':
      return seq(seq(oid(OID.ed25519)), bits(publicKey));
    case 'ECDSA-P256':
      return seq(seq(oid(OID.ecPublicKey), oid(OID.p256)), bits(publicKey));
    default:
      throw new Error(`no SPKI fixture for ${suite.signature.name}`);
  }
}

function signatureAlgorithm(suite: CipherSuite): Uint8Array {
  return suite.signature.name === 'Ed25519' ? seq(oid(OID.ed25519)) : seq(oid(OID.ecdsaSha256));
}

export interface CertSpec {
  readonly subject: string;
  /** Issuer name; default the subject (self-signed). */
  readonly issuer?: string;
  /** The certified key's SubjectPublicKeyInfo (spkiFor), or built from `publicKey`. */
  readonly spki?: Uint8Array;
  readonly publicKey?: Uint8Array;
  /** The issuer's signature private key (the suite's format). */
  readonly signerKey: Uint8Array;
  readonly serial?: number;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly ca?: boolean;
  /** A subjectAltName URI (e.g. a messenger's user id). */
  readonly uri?: string;
}

/** A DER certificate (v3) signed by `signerKey` in the suite's signature scheme. */
export function certificate(suite: CipherSuite, c: CertSpec): Uint8Array {
  const spki = c.spki ?? spkiFor(suite, c.publicKey!);
  const exts: Uint8Array[] = [];
  if (c.ca === true) {
    exts.push(seq(oid(OID.basicConstraints), bool(true), octets(seq(bool(true)))));
    exts.push(seq(oid(OID.keyUsage), bool(true), octets(tlv(0x03, Uint8Array.of(1, 0x06))))); // keyCertSign, cRLSign
  } else {
    exts.push(seq(oid(OID.keyUsage), bool(true), octets(tlv(0x03, Uint8Array.of(7, 0x80))))); // digitalSignature
  }
  if (c.uri !== undefined) exts.push(seq(oid(OID.subjectAltName), octets(seq(tlv(0x86, enc.encode(c.uri))))));
  const alg = signatureAlgorithm(suite);
  const tbs = seq(
    explicit(0, int(2)),
    int(c.serial ?? 1),
    alg,
    name(c.issuer ?? c.subject),
    seq(time(c.notBefore ?? new Date(Date.UTC(2025, 0, 1))), time(c.notAfter ?? new Date(Date.UTC(2035, 0, 1)))),
    name(c.subject),
    spki,
    explicit(3, seq(...exts)),
  );
  return seq(tbs, alg, bits(suite.signature.sign(c.signerKey, tbs)));
}

export interface Pki {
  readonly label: string;
  readonly root: SignatureKeyPair;
  readonly rootCert: Uint8Array;
  readonly intermediate: SignatureKeyPair;
  readonly intermediateCert: Uint8Array;
}

/** A root CA and an intermediate CA below it. */
export function makePki(suite: CipherSuite, label = 'Arbor Test'): Pki {
  const root = suite.signature.generateKeyPair();
  const intermediate = suite.signature.generateKeyPair();
  const rootCert = certificate(suite, { subject: `${label} Root`, publicKey: root.publicKey, signerKey: root.privateKey, ca: true });
  const intermediateCert = certificate(suite, {
    subject: `${label} Intermediate`,
    issuer: `${label} Root`,
    publicKey: intermediate.publicKey,
    signerKey: root.privateKey,
    ca: true,
    serial: 2,
  });
  return { label, root, rootCert, intermediate, intermediateCert };
}

/** An end-entity certificate for `key` under the PKI's intermediate, and the chain to put in a credential (without the root). */
export function issue(suite: CipherSuite, pki: Pki, subject: string, key: Uint8Array, extra: Partial<CertSpec> = {}): Uint8Array[] {
  const leaf = certificate(suite, {
    subject,
    issuer: `${pki.label} Intermediate`,
    publicKey: key,
    signerKey: pki.intermediate.privateKey,
    serial: 3 + Math.floor(Math.random() * 1e6),
    uri: `arbor:${subject}`,
    ...extra,
  });
  return [leaf, pki.intermediateCert];
}

/**
 * An application's Authentication Service for the tests, on Node's OpenSSL: an x509 chain must lead, signature
 * by signature, to `rootCert`, and every certificate must be valid at `now`; basic credentials are accepted.
 * `seen` collects the end-entity subjects it was shown.
 */
export function chainValidator(rootCert: Uint8Array, seen: string[] = [], now = new Date()): CredentialValidator {
  const root = new NodeX509(rootCert);
  return (_credential, _key, x509) => {
    if (x509 === undefined) return true;
    const certs = x509.map((c) => new NodeX509(c.der));
    seen.push(certs[0]!.subject);
    const chain = [...certs, root];
    for (let i = 0; i + 1 < chain.length; i++) {
      const [c, issuer] = [chain[i]!, chain[i + 1]!];
      if (c.checkIssued(issuer) === false || !c.verify(issuer.publicKey)) return false;
    }
    return certs.every((c) => new Date(c.validFrom) <= now && now <= new Date(c.validTo));
  };
}

/** Made by `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256` (SAN URI and DNS, extendedKeyUsage), with its key. */
export const OPENSSL_CERT = Buffer.from(
  'MIICGzCCAcKgAwIBAgIUPfr/FSSTUaGTc7ekXn8ej7ItzdYwCgYIKoZIzj0EAwIwQTELMAkGA1UEBhMCREUxFjAUBgNVBAoMDUFyYm9yIEludGVyb3AxGjAYBgNVBAMMEWFsaWNlQGV4YW1wbGUub3JnMB4XDTI2MTEzMDExNTExNFoXDTM2MTEyNzExNTExNFowQTELMAkGA1UEBhMCREUxFjAUBgNVBAoMDUFyYm9yIEludGVyb3AxGjAYBgNVBAMMEWFsaWNlQGV4YW1wbGUub3JnMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEB/CAlEjBf8q5zAsmU1rNwZZ09pRzIyUm5lSn5edNxSPLb1/rf5cKbMC66Gobofyq+sgPR5fjfh9px8Mi+BNqlqOBlzCBlDAdBgNVHQ4EFgQUZEmUmwcadRCQWyxud9Vkmm0BS0UwHwYDVR0jBBgwFoAUZEmUmwcadRCQWyxud9Vkmm0BS0UwDwYDVR0TAQH/BAUwAwEB/zAsBgNVHREEJTAjhhRpbTphbGljZUBleGFtcGxlLm9yZ4ILZXhhbXBsZS5vcmcwEwYDVR0lBAwwCgYIKwYBBQUHAwIwCgYIKoZIzj0EAwIDRwAwRAIgXXc63aDnuePKPX9yNeHGFzj6AewXksAIhhvObWyCVDkCIF222MAUybDixnlm/iA2MA1xySeHv8BCpqEYgvHyMTxt',
  'base64',
);
const OPENSSL_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgmxm7bPZJXWPMAF6p
bFRHAzNo/oV2WCQhttpUCwKaPXOhRANCAAQH8ICUSMF/yrnMCyZTWs3BlnT2lHMj
JSbmVKfl503FI8tvX+t/lwpswLroahuh/Kr6yA9Hl+N+H2nHwyL4E2qW
-----END PRIVATE KEY-----`;

/** The OpenSSL certificate's key in the engine's P-256 format (the big-endian scalar). */
export function opensslKeyPair(): { publicKey: Uint8Array; privateKey: Uint8Array } {
  const d = createPrivateKey(OPENSSL_KEY).export({ format: 'jwk' }).d!;
  const privateKey = new Uint8Array(Buffer.from(d, 'base64url'));
  return { privateKey, publicKey: getProvider().getSuite(2).signature.publicKeyFromPrivate(privateKey) };
}
