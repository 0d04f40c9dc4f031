// RFC 9420 §5.3 x509 credentials: every certificate of the chain is parsed as
// DER X.509, and the end-entity certificate's subjectPublicKeyInfo must be the
// leaf's signature_key; everything else goes to the application's validator
// with the parsed chain (tree/x509.ts, tree/leaf-validation.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate as NodeX509 } from 'node:crypto';
import { getProvider } from '../../../main/mls/crypto/index.js';
import { ValidationError } from '../../../main/mls/errors.js';
import { createKeyPackage } from '../../../main/mls/messages/key-package-create.js';
import { validateKeyPackage } from '../../../main/mls/messages/key-package-validation.js';
import { CredentialType, type Credential } from '../../../main/mls/tree/credential.js';
import { acceptAnyCredential, checkLeafCredential, type CredentialValidator } from '../../../main/mls/tree/leaf-validation.js';
import { checkX509Credential, parseX509Certificate, parseX509Chain } from '../../../main/mls/tree/x509.js';
import { bits, certificate, chainValidator, explicit, int, issue, makePki, name, OID, oid, OPENSSL_CERT, opensslKeyPair, seq, spkiFor, time, tlv } from './x509-fixtures.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ed = getProvider().getSuite(1);
const p256 = getProvider().getSuite(2);
const x509 = (chain: readonly Uint8Array[]): Credential => ({ credentialType: CredentialType.x509, certificates: chain.map((certData) => ({ certData })) });
const lifetime = { notBefore: 0n, notAfter: 2n ** 62n };

/** The certificate as Node's OpenSSL reads it, against this engine's parse. */
function agreesWithOpenSsl(der: Uint8Array): void {
  const mine = parseX509Certificate(der);
  const theirs = new NodeX509(der);
  assert.equal(hex(mine.serialNumber).replace(/^00/, ''), theirs.serialNumber.toLowerCase());
  assert.equal(new Date(Number(mine.notBefore) * 1000).toUTCString(), new Date(theirs.validFrom).toUTCString());
  assert.equal(new Date(Number(mine.notAfter) * 1000).toUTCString(), new Date(theirs.validTo).toUTCString());
  assert.equal(hex(mine.subjectPublicKeyInfo), hex(theirs.publicKey.export({ format: 'der', type: 'spki' })));
  assert.equal(mine.version, 3);
  assert.equal(hex(mine.der), hex(theirs.raw));
}

test('certificates parse as OpenSSL reads them: the fixtures (Ed25519, P-256) and one made by openssl', () => {
  for (const suite of [ed, p256]) {
    const pki = makePki(suite);
    const key = suite.signature.generateKeyPair();
    const [leaf, inter] = issue(suite, pki, 'alice', key.publicKey);
    // The fixtures are genuine: OpenSSL verifies each signature up to the root.
    const [l, i, r] = [new NodeX509(leaf!), new NodeX509(inter!), new NodeX509(pki.rootCert)];
    assert.ok(l.verify(i.publicKey) && l.checkIssued(i), `${suite.signature.name}: leaf issued by the intermediate`);
    assert.ok(i.verify(r.publicKey) && i.checkIssued(r), `${suite.signature.name}: intermediate issued by the root`);
    for (const der of [leaf!, inter!, pki.rootCert]) agreesWithOpenSsl(der);
    const c = parseX509Certificate(leaf!);
    assert.equal(hex(c.publicKey), hex(key.publicKey));
    assert.deepEqual(
      c.extensions.map((x) => [x.oid, x.critical]),
      [
        [OID.keyUsage, true],
        [OID.subjectAltName, false],
      ],
    );
    assert.equal(hex(c.subject), hex(name('alice')));
    assert.ok(suite.signature.verify(pki.intermediate.publicKey, c.tbsCertificate, c.signature), 'tbsCertificate is the signed part');
  }
  agreesWithOpenSsl(OPENSSL_CERT);
  const o = parseX509Certificate(OPENSSL_CERT);
  assert.equal(o.publicKeyAlgorithm.oid, OID.ecPublicKey);
  assert.equal(o.signatureAlgorithm.oid, OID.ecdsaSha256);
  assert.deepEqual(
    o.extensions.map((x) => x.oid),
    ['2.5.29.14', '2.5.29.35', OID.basicConstraints, OID.subjectAltName, '2.5.29.37'],
  );
  assert.equal(hex(o.publicKey), hex(opensslKeyPair().publicKey), 'the SPKI point is the key in the engine\'s format');
  // Dates outside 1950–2049 are GeneralizedTime (RFC 5280 §4.1.2.5).
  const late = certificate(ed, { subject: 'x', publicKey: ed.signature.generateKeyPair().publicKey, signerKey: ed.signature.generateKeyPair().privateKey, notAfter: new Date(Date.UTC(2061, 5, 1)) });
  agreesWithOpenSsl(late);
  assert.equal(parseX509Certificate(late).notAfter, BigInt(Date.UTC(2061, 5, 1) / 1000));
});

test('anything but one DER certificate is refused, naming the entry and the field', () => {
  const key = ed.signature.generateKeyPair();
  const good = certificate(ed, { subject: 'a', publicKey: key.publicKey, signerKey: key.privateKey });
  const bad = (der: Uint8Array, why: RegExp, what: string): void => {
    assert.throws(() => parseX509Chain(x509([good, der])), (e: unknown) => e instanceof ValidationError && /certificates\[1\]: not a DER X\.509 certificate/.test(e.message) && why.test(e.message), what);
  };
  bad(good.subarray(0, good.length - 1), /exceeds/, 'truncated');
  bad(Uint8Array.from([...good, 0]), /trailing/, 'trailing byte');
  bad(Uint8Array.from([0x30, 0x80, ...good.subarray(4), 0, 0]), /indefinite/, 'BER indefinite length');
  bad(Uint8Array.from([0x30, 0x83, 0x00, ...good.subarray(2)]), /non-minimal/, 'a length with a leading zero octet');
  bad(new Uint8Array(0), /missing/, 'empty');
  bad(Buffer.from('not a certificate'), /tag/, 'text');
  const alg = seq(oid(OID.ed25519));
  const validity = seq(time(new Date(Date.UTC(2025, 0, 1))), time(new Date(Date.UTC(2035, 0, 1))));
  const spki = spkiFor(ed, key.publicKey);
  const wrap = (tbs: Uint8Array): Uint8Array => seq(tbs, alg, bits(new Uint8Array(64)));
  bad(wrap(seq(explicit(0, int(2)), alg, int(1), name('a'), validity, name('a'), spki)), /serialNumber: tag/, 'fields out of order');
  bad(wrap(seq(explicit(0, int(0)), int(1), alg, name('a'), validity, name('a'), spki)), /version/, 'v1 written out (DER: DEFAULT is omitted)');
  bad(wrap(seq(int(1), alg, name('a'), seq(tlv(0x17, Buffer.from('250230000000Z')), time(new Date())), name('a'), spki)), /not a valid date/, '30 February');
  const critFalse = explicit(3, seq(seq(oid(OID.keyUsage), tlv(0x01, Uint8Array.of(0)), tlv(0x04, Uint8Array.of(3, 2, 7, 0x80)))));
  bad(wrap(seq(explicit(0, int(2)), int(1), alg, name('a'), validity, name('a'), spki, critFalse)), /critical/, 'critical FALSE written out');
  // A v1 certificate (no version field, no extensions) is a certificate.
  assert.equal(parseX509Certificate(wrap(seq(int(1), alg, name('a'), validity, name('a'), spki))).version, 1);
});

test('RFC 9420 §5.3: the end-entity certificate must carry the leaf\'s signature key, in the group\'s scheme', () => {
  const pki = makePki(ed);
  const key = ed.signature.generateKeyPair();
  const chain = issue(ed, pki, 'alice', key.publicKey);
  assert.equal(checkX509Credential(ed, x509(chain), key.publicKey, 'leaf 0').length, 2, 'the chain, end-entity first');
  const refused = (suite: typeof ed, cred: Credential, sigKey: Uint8Array, why: RegExp, what: string): void => {
    assert.throws(() => checkX509Credential(suite, cred, sigKey, 'leaf 0'), (e: unknown) => e instanceof ValidationError && /^leaf 0: /.test(e.message) && why.test(e.message), what);
  };
  refused(ed, x509(chain), ed.signature.generateKeyPair().publicKey, /not the leaf's signature_key \(RFC 9420 §5\.3\)/, 'another key');
  refused(ed, x509([...chain].reverse()), key.publicKey, /not the leaf's signature_key/, 'chain in the wrong order (the CA first)');
  refused(ed, x509([]), key.publicKey, /no end-entity certificate/, 'empty chain');
  // The same 32 bytes as an X25519 key are not the Ed25519 signature key.
  const x25519 = certificate(ed, { subject: 'a', spki: seq(seq(oid(OID.x25519)), bits(key.publicKey)), signerKey: pki.intermediate.privateKey });
  refused(ed, x509([x25519]), key.publicKey, /algorithm 1\.3\.101\.110\) is not a Ed25519 key/, 'X25519 key');
  // P-256: the uncompressed point the engine uses as signature_key (RFC 9420 §5.1.1).
  const pk = p256.signature.generateKeyPair();
  const pPki = makePki(p256);
  const pChain = issue(p256, pPki, 'bob', pk.publicKey);
  checkX509Credential(p256, x509(pChain), pk.publicKey, 'leaf 0');
  refused(ed, x509(pChain), pk.publicKey, /not a Ed25519 key/, 'a P-256 certificate in an Ed25519 group');
  const onP384 = certificate(p256, { subject: 'b', spki: seq(seq(oid(OID.ecPublicKey), oid(OID.p384)), bits(pk.publicKey)), signerKey: pPki.intermediate.privateKey });
  refused(p256, x509([onP384]), pk.publicKey, /not a ECDSA-P256 key/, 'the right bytes labelled as another curve');
  const compressed = Uint8Array.from([2 + (pk.publicKey[64]! & 1), ...pk.publicKey.subarray(1, 33)]);
  const comp = certificate(p256, { subject: 'b', spki: seq(seq(oid(OID.ecPublicKey), oid(OID.p256)), bits(compressed)), signerKey: pPki.intermediate.privateKey });
  refused(p256, x509([comp]), pk.publicKey, /not the leaf's signature_key/, 'the compressed point: not identical');
  // A later entry that is not a certificate fails the chain (§5.3: each entry is one DER certificate).
  refused(ed, x509([chain[0]!, Uint8Array.of(1, 2, 3)]), key.publicKey, /certificates\[1\]: not a DER X\.509 certificate/, 'garbage intermediate');
});

test('every received leaf goes through the check, then the application\'s validator sees the parsed chain', () => {
  const pki = makePki(ed);
  const key = ed.signature.generateKeyPair();
  const chain = issue(ed, pki, 'alice', key.publicKey);
  const kp = (credential: Credential) =>
    createKeyPackage(ed, { credential, signaturePrivateKey: key.privateKey, lifetime, extraCapabilities: { credentials: [CredentialType.basic] } }).keyPackage;

  // The default validator accepts what reaches it: the §5.3 check is the engine's, the rest the application's.
  validateKeyPackage(ed, kp(x509(chain)), { validateCredential: acceptAnyCredential });
  const untrusted = issue(ed, makePki(ed, 'Elsewhere'), 'alice', key.publicKey);
  const expired = issue(ed, pki, 'alice', key.publicKey, { notBefore: new Date(Date.UTC(2001, 0, 1)), notAfter: new Date(Date.UTC(2002, 0, 1)) });
  for (const c of [untrusted, expired]) validateKeyPackage(ed, kp(x509(c)), {});

  // An application's AS (trust anchor, signatures, dates) refuses them.
  const seen: string[] = [];
  const as = chainValidator(pki.rootCert, seen);
  validateKeyPackage(ed, kp(x509(chain)), { validateCredential: as });
  assert.deepEqual(seen, ['CN=alice']);
  for (const c of [untrusted, expired]) {
    assert.throws(() => validateKeyPackage(ed, kp(x509(c)), { validateCredential: as }), /KeyPackage: leaf_node: credential rejected by the authentication service/);
  }

  // Another key's certificate never reaches the validator.
  const calls: unknown[] = [];
  const spy: CredentialValidator = (...args) => {
    calls.push(args);
    return true;
  };
  const stolen = issue(ed, pki, 'mallory', ed.signature.generateKeyPair().publicKey);
  assert.throws(() => validateKeyPackage(ed, kp(x509(stolen)), { validateCredential: spy }), /KeyPackage: leaf_node: x509 credential: the end-entity certificate's public key is not the leaf's signature_key/);
  assert.equal(calls.length, 0);
  // A basic credential reaches it without a chain.
  checkLeafCredential(ed, { credential: { credentialType: CredentialType.basic, identity: Buffer.from('b') }, signatureKey: key.publicKey }, spy, 'leaf');
  assert.equal((calls[0] as unknown[])[2], undefined);
});
