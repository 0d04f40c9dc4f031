// `npm run bench -- crypto`: per-primitive throughput of the noble and node
// providers side by side (ops/s, median of several runs), on suite 1 where a
// suite is involved.

import { createNobleProvider, noblePrimitives } from '../main/mls/crypto/noble/index.js';
import { createNodePrimitives, createNodeProvider } from '../main/mls/crypto/node/index.js';
import type { CryptoProvider } from '../main/mls/crypto/provider.js';
import type { Primitives } from '../main/mls/crypto/primitives.js';
import { utf8 } from '../main/mls/util/bytes.js';
import { formatRate, opsPerSecond, printTable } from './measure.js';

export const title = 'crypto primitives (ops/s, median of 5 runs)';

type Case = (p: CryptoProvider, prims: Primitives) => () => unknown;

const KIB = new Uint8Array(1024).fill(0x5a);
const INFO = utf8('bench info');
const EMPTY = new Uint8Array(0);

const CASES: readonly [string, Case][] = [
  ['X25519 HPKE keygen', (p) => { const h = p.getSuite(1).hpke; return () => h.generateKeyPair(); }],
  ['X25519 DH', (p, prims) => {
    const g = prims.dh('DHKEM-X25519');
    const a = g.generateKeyPair();
    const b = g.generateKeyPair();
    return () => g.dh(a.privateKey, b.publicKey);
  }],
  ['HPKE DeriveKeyPair (suite 1)', (p) => { const h = p.getSuite(1).hpke; const ikm = new Uint8Array(32); let i = 0; return () => { ikm[0] = i++ & 0xff; return h.deriveKeyPair(ikm); }; }],
  ['Ed25519 sign', (p) => { const s = p.getSuite(1).signature; const kp = s.generateKeyPair(); return () => s.sign(kp.privateKey, KIB.subarray(0, 256)); }],
  ['Ed25519 verify', (p) => {
    const s = p.getSuite(1).signature;
    const kp = s.generateKeyPair();
    const sig = s.sign(kp.privateKey, KIB.subarray(0, 256));
    return () => { if (!s.verify(kp.publicKey, KIB.subarray(0, 256), sig)) throw new Error('verify failed'); };
  }],
  ['HPKE seal 32 B (suite 1)', (p) => { const h = p.getSuite(1).hpke; const kp = h.generateKeyPair(); return () => h.seal(kp.publicKey, INFO, EMPTY, KIB.subarray(0, 32)); }],
  ['HPKE open 32 B (suite 1)', (p) => {
    const h = p.getSuite(1).hpke;
    const kp = h.generateKeyPair();
    const ct = h.seal(kp.publicKey, INFO, EMPTY, KIB.subarray(0, 32));
    return () => h.open(kp.privateKey, ct.kemOutput, INFO, EMPTY, ct.ciphertext);
  }],
  ['AES-128-GCM seal 1 KiB', (p) => { const a = p.getSuite(1).aead; const k = new Uint8Array(16); const n = new Uint8Array(12); return () => a.seal(k, n, EMPTY, KIB); }],
  ['AES-128-GCM open 1 KiB', (p) => {
    const a = p.getSuite(1).aead;
    const k = new Uint8Array(16);
    const n = new Uint8Array(12);
    const ct = a.seal(k, n, EMPTY, KIB);
    return () => a.open(k, n, EMPTY, ct);
  }],
  ['SHA-256 1 KiB', (p) => { const h = p.getSuite(1).hash; return () => h.digest(KIB); }],
  ['ECDSA P-256 sign', (p) => { const s = p.getSuite(2).signature; const kp = s.generateKeyPair(); return () => s.sign(kp.privateKey, KIB.subarray(0, 256)); }],
  ['ECDSA P-256 verify', (p) => {
    const s = p.getSuite(2).signature;
    const kp = s.generateKeyPair();
    const sig = s.sign(kp.privateKey, KIB.subarray(0, 256));
    return () => s.verify(kp.publicKey, KIB.subarray(0, 256), sig);
  }],
];

/** `--filter NAME` runs only the primitives whose name contains NAME. */
export function run(args: readonly string[] = []): void {
  const at = args.indexOf('--filter');
  const filter = at === -1 ? undefined : args[at + 1];
  const providers: [CryptoProvider, Primitives][] = [
    [createNobleProvider(), noblePrimitives],
    [createNodeProvider(), createNodePrimitives()],
  ];
  const rows: string[][] = [];
  for (const [name, make] of CASES) {
    if (filter !== undefined && !name.toLowerCase().includes(filter.toLowerCase())) continue;
    const [noble, node] = providers.map(([p, prims]) => opsPerSecond(make(p, prims))) as [number, number];
    rows.push([name, formatRate(noble), formatRate(node), `${(node / noble).toFixed(1)}x`]);
  }
  printTable(['primitive', 'noble', 'node', 'node/noble'], rows);
}
