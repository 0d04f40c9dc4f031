// Many signatures verified on several threads, synchronously for the caller:
// joining a 10,000-member group verifies 10,000 leaf signatures (RFC 9420
// §12.4.3.1 → §7.3), two-thirds of the join, and node:crypto verifies one at
// a time on the calling thread. The items are packed into shared memory; the
// caller and up to three helper threads claim chunks of them from a shared
// counter, so whoever is free works and nothing waits on a slow thread; the
// caller then blocks (Atomics.wait) until every chunk is done. A helper that
// never answers costs a bounded wait, after which the caller verifies what is
// left itself and stops using helpers. Same answers as one at a time: the
// helpers run the same node:crypto verify on the same key import; checks that
// are not OpenSSL's (EdDSA canonical encodings) stay with the caller, and only
// a helper's "valid" is taken as is: every other verdict is redone here, so a
// helper can make a batch faster but never refuse a good signature.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SignatureCheck } from '../provider.js';

/** Below this many signatures, threads cost more than they save. */
export const PARALLEL_MIN = 64;
/** Signatures per claimed chunk. */
const CHUNK = 32;
/** How long the caller waits for a helper's chunk before doing it itself. */
const HELPER_TIMEOUT_MS = 10_000;

/** How a helper imports a public key and verifies: JWK fields per key kind, hash for ECDSA. */
export interface VerifySpec {
  readonly kty: 'OKP' | 'EC';
  readonly crv: string;
  /** Digest for ECDSA (DER signatures); null for EdDSA. */
  readonly hash: string | null;
}

// A CommonJS script (eval'd workers are not modules). Each job: shared bytes, offsets
// (pk, message, signature, end per item), a control block [next chunk, chunks done],
// results (1 valid, 2 invalid).
const HELPER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const b64 = (b) => Buffer.from(b).toString('base64url');
function key(spec, pk) {
  if (spec.kty === 'OKP') return createPublicKey({ key: { kty: 'OKP', crv: spec.crv, x: b64(pk) }, format: 'jwk' });
  const n = (pk.length - 1) / 2;
  if (pk[0] !== 4) throw new Error('not an uncompressed point');
  return createPublicKey({ key: { kty: 'EC', crv: spec.crv, x: b64(pk.subarray(1, 1 + n)), y: b64(pk.subarray(1 + n)) }, format: 'jwk' });
}
parentPort.on('message', (job) => {
  const bytes = new Uint8Array(job.data);
  const offs = new Int32Array(job.offsets);
  const ctrl = new Int32Array(job.control);
  const res = new Int32Array(job.results);
  const chunks = Math.ceil(job.n / job.chunk);
  for (;;) {
    const k = Atomics.add(ctrl, 0, 1);
    if (k >= chunks) break;
    const end = Math.min(job.n, (k + 1) * job.chunk);
    for (let i = k * job.chunk; i < end; i++) {
      const o = 3 * i;
      let ok = false;
      try {
        const pk = Buffer.from(bytes.subarray(offs[o], offs[o + 1]));
        const msg = Buffer.from(bytes.subarray(offs[o + 1], offs[o + 2]));
        const sig = Buffer.from(bytes.subarray(offs[o + 2], offs[o + 3]));
        const k2 = key(job.spec, pk);
        ok = verify(job.spec.hash, msg, job.spec.hash === null ? k2 : { key: k2, dsaEncoding: 'der' }, sig);
      } catch {
        ok = false;
      }
      Atomics.store(res, i, ok ? 1 : 2);
    }
    Atomics.add(ctrl, 1, 1);
    Atomics.notify(ctrl, 1);
  }
});
`;

let helpers: Worker[] | undefined;
let broken = false;

function pool(): Worker[] {
  if (helpers !== undefined) return helpers;
  const n = Math.min(3, availableParallelism() - 1);
  helpers = [];
  try {
    for (let i = 0; i < n; i++) {
      // Plain node:crypto: none of the parent's flags (a TypeScript loader would only slow its start).
      const w = new Worker(HELPER_SOURCE, { eval: true, execArgv: [] });
      w.unref(); // never keeps a process alive
      w.on('error', () => (broken = true));
      w.on('exit', () => (broken = true));
      helpers.push(w);
    }
  } catch {
    broken = true;
  }
  return helpers;
}

/**
 * `verifyOne` for each item, the result array in order. Items go to helper
 * threads as well when there are enough of them and this machine has more
 * than one core; `precheck` (run here, for every item) must pass too.
 */
export function verifyParallel(
  items: readonly SignatureCheck[],
  spec: VerifySpec,
  verifyOne: (c: SignatureCheck) => boolean,
  precheck: (c: SignatureCheck) => boolean,
): boolean[] {
  const workers = items.length >= PARALLEL_MIN && !broken ? pool() : [];
  if (workers.length === 0 || broken) return items.map(verifyOne);
  const n = items.length;
  let size = 0;
  for (const c of items) size += c.publicKey.length + c.message.length + c.signature.length;
  const data = new SharedArrayBuffer(size);
  const bytes = new Uint8Array(data);
  const offsets = new SharedArrayBuffer(4 * (3 * n + 1));
  const offs = new Int32Array(offsets);
  let at = 0;
  items.forEach((c, i) => {
    offs[3 * i] = at;
    bytes.set(c.publicKey, at);
    at += c.publicKey.length;
    offs[3 * i + 1] = at;
    bytes.set(c.message, at);
    at += c.message.length;
    offs[3 * i + 2] = at;
    bytes.set(c.signature, at);
    at += c.signature.length;
  });
  offs[3 * n] = at;
  const control = new SharedArrayBuffer(8);
  const ctrl = new Int32Array(control);
  const results = new SharedArrayBuffer(4 * n);
  const res = new Int32Array(results);
  const job = { data, offsets, control, results, n, chunk: CHUNK, spec };
  for (const w of workers) w.postMessage(job);
  // This thread works too, on the same counter.
  const chunks = Math.ceil(n / CHUNK);
  for (;;) {
    const k = Atomics.add(ctrl, 0, 1);
    if (k >= chunks) break;
    const end = Math.min(n, (k + 1) * CHUNK);
    for (let i = k * CHUNK; i < end; i++) Atomics.store(res, i, verifyOne(items[i]!) ? 1 : 2);
    Atomics.add(ctrl, 1, 1);
  }
  const deadline = Date.now() + HELPER_TIMEOUT_MS;
  for (let done = Atomics.load(ctrl, 1); done < chunks; done = Atomics.load(ctrl, 1)) {
    const left = deadline - Date.now();
    if (left <= 0) {
      broken = true; // a helper took a chunk and never finished it: stop relying on them
      break;
    }
    Atomics.wait(ctrl, 1, done, left);
  }
  // A helper's "valid" is final; anything else is decided here (not done, or refused: a helper whose runtime
  // could not import a key kind must never make a valid signature count as bad).
  return items.map((c, i) => (Atomics.load(res, i) === 1 ? precheck(c) : verifyOne(c)));
}
