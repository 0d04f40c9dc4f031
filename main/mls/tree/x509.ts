// RFC 9420 §5.3, x509 credentials: "each entry in the certificates field
// represents a single DER-encoded X.509 certificate. The chain is ordered such
// that the first entry (certificates[0]) is the end-entity certificate. The
// public key encoded in the subjectPublicKeyInfo of the end-entity certificate
// MUST be identical to the signature_key in the LeafNode containing this
// credential."
//
// This module reads a chain exactly that far: every entry must be one DER
// Certificate (RFC 5280 §4.1: the three outer fields and the TBSCertificate
// fields in order, strict DER lengths, no trailing bytes), and the end-entity
// certificate's subjectPublicKeyInfo must be the leaf's signature key for the
// group's signature scheme. Everything else about a certificate (its
// signature, the issuer chain up to a trust anchor, validity dates,
// revocation, key usage, names and how they match the member the application
// expects) is the Authentication Service's (§5.3.1): the parsed chain is handed
// to the application's CredentialValidator (leaf-validation.ts), whose default
// accepts it. Names and extensions are kept as raw DER for that validator.

import type { CipherSuite, SignatureName } from '../crypto/provider.js';
import { ValidationError } from '../errors.js';
import { equalBytes } from '../util/bytes.js';
import { CredentialType, type Credential } from './credential.js';

/** An AlgorithmIdentifier (RFC 5280 §4.1.1.2): the OID in dotted form, parameters as raw DER when present. */
export interface X509Algorithm {
  readonly oid: string;
  readonly parameters?: Uint8Array;
}

/** One certificate extension (RFC 5280 §4.1.2.9); `value` is the extnValue OCTET STRING's content. */
export interface X509Extension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

/** A certificate as far as this engine reads it (RFC 5280 §4.1). */
export interface X509Certificate {
  /** The whole certificate (cert_data). */
  readonly der: Uint8Array;
  /** The DER TBSCertificate: the bytes the issuer signed. */
  readonly tbsCertificate: Uint8Array;
  readonly version: 1 | 2 | 3;
  /** The INTEGER's content octets. */
  readonly serialNumber: Uint8Array;
  /** TBSCertificate.signature. */
  readonly tbsSignatureAlgorithm: X509Algorithm;
  /** Raw DER of the issuer Name. */
  readonly issuer: Uint8Array;
  /** Seconds since the Unix epoch. */
  readonly notBefore: bigint;
  readonly notAfter: bigint;
  /** Raw DER of the subject Name. */
  readonly subject: Uint8Array;
  /** Raw DER of the whole SubjectPublicKeyInfo. */
  readonly subjectPublicKeyInfo: Uint8Array;
  readonly publicKeyAlgorithm: X509Algorithm;
  /** The subjectPublicKey BIT STRING's bytes. */
  readonly publicKey: Uint8Array;
  readonly extensions: readonly X509Extension[];
  /** Certificate.signatureAlgorithm. */
  readonly signatureAlgorithm: X509Algorithm;
  /** The signatureValue BIT STRING's bytes. */
  readonly signature: Uint8Array;
}

const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  version: 0xa0, // [0] EXPLICIT
  issuerUniqueId: 0x81, // [1] IMPLICIT
  subjectUniqueId: 0x82, // [2] IMPLICIT
  extensions: 0xa3, // [3] EXPLICIT
} as const;

class DerError extends Error {}

/** One DER TLV: the tag byte, its content, and the whole encoding. */
interface Tlv {
  readonly tag: number;
  readonly content: Uint8Array;
  readonly whole: Uint8Array;
}

/** Reads consecutive DER TLVs from `bytes`; every length is definite and minimal (X.690 §10.1). */
class DerReader {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos === this.bytes.length;
  }

  peekTag(): number | undefined {
    return this.done ? undefined : this.bytes[this.pos];
  }

  read(expected: number, what: string): Tlv {
    const start = this.pos;
    const b = this.bytes;
    if (start >= b.length) throw new DerError(`${what}: missing`);
    const tag = b[start]!;
    if (tag !== expected) throw new DerError(`${what}: tag 0x${tag.toString(16)}, expected 0x${expected.toString(16)}`);
    if (start + 1 >= b.length) throw new DerError(`${what}: no length`);
    let len = b[start + 1]!;
    let p = start + 2;
    if (len >= 0x80) {
      const n = len & 0x7f;
      // 0x80 is the indefinite form, which DER forbids; four length octets are far beyond any certificate.
      if (n === 0 || n > 4) throw new DerError(`${what}: ${n === 0 ? 'indefinite' : 'oversized'} length`);
      if (p + n > b.length) throw new DerError(`${what}: truncated length`);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[p + i]!;
      // DER: the long form only for lengths above 127, with no leading zero octet.
      if (len < 0x80 || b[p] === 0) throw new DerError(`${what}: non-minimal length`);
      p += n;
    }
    if (p + len > b.length) throw new DerError(`${what}: length ${len} exceeds the ${b.length - p} bytes left`);
    this.pos = p + len;
    return { tag, content: b.subarray(p, p + len), whole: b.subarray(start, p + len) };
  }

  end(what: string): void {
    if (!this.done) throw new DerError(`${what}: ${this.bytes.length - this.pos} trailing bytes`);
  }
}

function oidString(content: Uint8Array, what: string): string {
  if (content.length === 0) throw new DerError(`${what}: empty OBJECT IDENTIFIER`);
  const arcs: number[] = [];
  let v = 0;
  let fresh = true;
  for (const byte of content) {
    if (fresh && byte === 0x80) throw new DerError(`${what}: non-minimal OBJECT IDENTIFIER arc`);
    if (v > (Number.MAX_SAFE_INTEGER - 127) / 128) throw new DerError(`${what}: OBJECT IDENTIFIER arc too large`);
    v = v * 128 + (byte & 0x7f);
    fresh = (byte & 0x80) === 0;
    if (fresh) {
      arcs.push(v);
      v = 0;
    }
  }
  if (!fresh) throw new DerError(`${what}: truncated OBJECT IDENTIFIER`);
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

function algorithm(r: DerReader, what: string): X509Algorithm {
  const seq = new DerReader(r.read(TAG.sequence, what).content);
  const oid = oidString(seq.read(TAG.oid, `${what}.algorithm`).content, `${what}.algorithm`);
  if (seq.done) return { oid };
  const tag = seq.peekTag()!;
  const parameters = seq.read(tag, `${what}.parameters`).whole;
  seq.end(what);
  return { oid, parameters };
}

/** BIT STRING content without the unused-bits octet, which must be 0 for keys and signatures (whole octets). */
function bitStringBytes(t: Tlv, what: string): Uint8Array {
  if (t.content.length === 0 || t.content[0] !== 0) throw new DerError(`${what}: BIT STRING is not a whole number of octets`);
  return t.content.subarray(1);
}

/** RFC 5280 §4.1.2.5.1/§4.1.2.5.2: UTCTime YYMMDDHHMMSSZ, GeneralizedTime YYYYMMDDHHMMSSZ; seconds since the epoch. */
function time(r: DerReader, what: string): bigint {
  const tag = r.peekTag();
  const t = r.read(tag === TAG.generalizedTime ? TAG.generalizedTime : TAG.utcTime, what);
  const s = String.fromCharCode(...t.content);
  const m = tag === TAG.generalizedTime ? /^([0-9]{4})([0-9]{10})Z$/.exec(s) : /^([0-9]{2})([0-9]{10})Z$/.exec(s);
  if (m === null) throw new DerError(`${what}: "${s}" is not a UTC time`);
  let year = Number(m[1]!);
  if (tag !== TAG.generalizedTime) year += year >= 50 ? 1900 : 2000;
  const rest = m[2]!;
  const [mo, d, h, mi, se] = [0, 2, 4, 6, 8].map((i) => Number(rest.slice(i, i + 2))) as [number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, mo - 1, d); // not Date.UTC, which reads years 0-99 as 1900-1999
  date.setUTCHours(h, mi, se);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) {
    throw new DerError(`${what}: "${s}" is not a valid date`);
  }
  return BigInt(date.getTime() / 1000);
}

function extensionsOf(t: Tlv): X509Extension[] {
  const outer = new DerReader(t.content);
  const list = new DerReader(outer.read(TAG.sequence, 'extensions').content);
  outer.end('extensions');
  const out: X509Extension[] = [];
  while (!list.done) {
    const what = `extensions[${out.length}]`;
    const ext = new DerReader(list.read(TAG.sequence, what).content);
    const oid = oidString(ext.read(TAG.oid, `${what}.extnID`).content, `${what}.extnID`);
    let critical = false;
    if (ext.peekTag() === TAG.boolean) {
      const b = ext.read(TAG.boolean, `${what}.critical`).content;
      // DER: a BOOLEAN is one octet, 0x00 or 0xFF, and a DEFAULT value is not encoded (X.690 §11.1, §11.5).
      if (b.length !== 1 || b[0] !== 0xff) throw new DerError(`${what}.critical: not a DER TRUE`);
      critical = true;
    }
    const value = ext.read(TAG.octetString, `${what}.extnValue`).content;
    ext.end(what);
    out.push({ oid, critical, value });
  }
  return out;
}

function certificate(der: Uint8Array): X509Certificate {
  const top = new DerReader(der);
  const cert = new DerReader(top.read(TAG.sequence, 'Certificate').content);
  top.end('Certificate');
  const tbsTlv = cert.read(TAG.sequence, 'tbsCertificate');
  const signatureAlgorithm = algorithm(cert, 'signatureAlgorithm');
  const signature = bitStringBytes(cert.read(TAG.bitString, 'signatureValue'), 'signatureValue');
  cert.end('Certificate');

  const tbs = new DerReader(tbsTlv.content);
  let version: 1 | 2 | 3 = 1;
  if (tbs.peekTag() === TAG.version) {
    const v = new DerReader(tbs.read(TAG.version, 'version').content);
    const n = v.read(TAG.integer, 'version').content;
    v.end('version');
    // DER: v1 is the DEFAULT and is not encoded (X.690 §11.5).
    if (n.length !== 1 || (n[0] !== 1 && n[0] !== 2)) throw new DerError(`version: must be v2 or v3 when present`);
    version = n[0] === 1 ? 2 : 3;
  }
  const serialNumber = tbs.read(TAG.integer, 'serialNumber').content;
  if (serialNumber.length === 0) throw new DerError('serialNumber: empty INTEGER');
  const tbsSignatureAlgorithm = algorithm(tbs, 'signature');
  const issuer = tbs.read(TAG.sequence, 'issuer').whole;
  const validity = new DerReader(tbs.read(TAG.sequence, 'validity').content);
  const notBefore = time(validity, 'validity.notBefore');
  const notAfter = time(validity, 'validity.notAfter');
  validity.end('validity');
  const subject = tbs.read(TAG.sequence, 'subject').whole;
  const spkiTlv = tbs.read(TAG.sequence, 'subjectPublicKeyInfo');
  const spki = new DerReader(spkiTlv.content);
  const publicKeyAlgorithm = algorithm(spki, 'subjectPublicKeyInfo.algorithm');
  const publicKey = bitStringBytes(spki.read(TAG.bitString, 'subjectPublicKeyInfo.subjectPublicKey'), 'subjectPublicKeyInfo.subjectPublicKey');
  spki.end('subjectPublicKeyInfo');
  if (tbs.peekTag() === TAG.issuerUniqueId) tbs.read(TAG.issuerUniqueId, 'issuerUniqueID');
  if (tbs.peekTag() === TAG.subjectUniqueId) tbs.read(TAG.subjectUniqueId, 'subjectUniqueID');
  const extensions = tbs.peekTag() === TAG.extensions ? extensionsOf(tbs.read(TAG.extensions, 'extensions')) : [];
  tbs.end('tbsCertificate');
  return {
    der,
    tbsCertificate: tbsTlv.whole,
    version,
    serialNumber,
    tbsSignatureAlgorithm,
    issuer,
    notBefore,
    notAfter,
    subject,
    subjectPublicKeyInfo: spkiTlv.whole,
    publicKeyAlgorithm,
    publicKey,
    extensions,
    signatureAlgorithm,
    signature,
  };
}

/** One DER X.509 certificate; ValidationError(`${where}: ...`) when it is not one. */
export function parseX509Certificate(der: Uint8Array, where = 'certificate'): X509Certificate {
  try {
    return certificate(der);
  } catch (e) {
    if (e instanceof DerError) throw new ValidationError(`${where}: not a DER X.509 certificate: ${e.message}`);
    throw e;
  }
}

/** RFC 9420 §5.3: every entry of an x509 credential's chain parsed, end-entity certificate first. */
export function parseX509Chain(credential: Credential, where = 'x509 credential'): X509Certificate[] {
  if (credential.credentialType !== CredentialType.x509 || !('certificates' in credential)) throw new ValidationError(`${where}: not an x509 credential`);
  return credential.certificates.map((c, i) => parseX509Certificate(c.certData, `${where}: certificates[${i}]`));
}

const ED25519 = '1.3.101.112';
const ED448 = '1.3.101.113';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

/** RFC 8410 §3 (EdDSA: the OID, no parameters) and RFC 5480 §2.1.1 (ECDSA: id-ecPublicKey with the namedCurve). */
const SPKI_OF: Readonly<Record<SignatureName, { readonly oid: string; readonly curve?: string }>> = {
  Ed25519: { oid: ED25519 },
  Ed448: { oid: ED448 },
  'ECDSA-P256': { oid: EC_PUBLIC_KEY, curve: '1.2.840.10045.3.1.7' },
  'ECDSA-P384': { oid: EC_PUBLIC_KEY, curve: '1.3.132.0.34' },
  'ECDSA-P521': { oid: EC_PUBLIC_KEY, curve: '1.3.132.0.35' },
};

/** The namedCurve OID of id-ecPublicKey parameters, or undefined when they are something else. */
function namedCurve(parameters: Uint8Array | undefined): string | undefined {
  if (parameters === undefined || parameters[0] !== TAG.oid) return undefined;
  try {
    const r = new DerReader(parameters);
    const oid = oidString(r.read(TAG.oid, 'namedCurve').content, 'namedCurve');
    r.end('namedCurve');
    return oid;
  } catch (e) {
    if (e instanceof DerError) return undefined;
    throw e;
  }
}

/**
 * RFC 9420 §5.3 for an x509 credential in a LeafNode: the chain parses and "the public key encoded in the
 * subjectPublicKeyInfo of the end-entity certificate MUST be identical to the signature_key in the LeafNode".
 * Identical is read as: a key of the group's signature scheme (the SPKI algorithm of RFC 8410 or RFC 5480 for
 * it) whose encoded bytes equal signature_key, which for ECDSA is the uncompressed point (§5.1.1), so a
 * certificate carrying the compressed form does not match. An empty chain has no end-entity certificate and
 * fails. Returns the parsed chain; throws ValidationError(`${where}: ...`).
 */
export function checkX509Credential(suite: CipherSuite, credential: Credential, signatureKey: Uint8Array, where: string): X509Certificate[] {
  const chain = parseX509Chain(credential, `${where}: x509 credential`);
  const leaf = chain[0];
  if (leaf === undefined) throw new ValidationError(`${where}: x509 credential has no end-entity certificate (RFC 9420 §5.3: certificates[0])`);
  const want = SPKI_OF[suite.signature.name];
  const alg = leaf.publicKeyAlgorithm;
  const sameScheme = alg.oid === want.oid && (want.curve === undefined ? alg.parameters === undefined : namedCurve(alg.parameters) === want.curve);
  if (!sameScheme) throw new ValidationError(`${where}: x509 credential: the end-entity certificate's key (algorithm ${alg.oid}) is not a ${suite.signature.name} key`);
  if (!equalBytes(leaf.publicKey, signatureKey)) {
    throw new ValidationError(`${where}: x509 credential: the end-entity certificate's public key is not the leaf's signature_key (RFC 9420 §5.3)`);
  }
  return chain;
}
