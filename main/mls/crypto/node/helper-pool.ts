// Helper threads for batches of public-key operations (parallel-verify.ts,
// parallel-ephemeral.ts), synchronous for the caller. A job's inputs and
// results live in shared memory; the caller and up to three helpers claim
// chunks of items from a shared counter, so whoever is free works and nothing
// waits on a slow thread; the caller then blocks (Atomics.wait) until every
// chunk is done. A helper that never answers costs a bounded wait, after which
// the caller does what is left itself and helpers are not used again. Callers
// take only a helper's successes as final and redo anything else themselves.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Below this many items, threads cost more than they save. */
export const PARALLEL_MIN = 64;
/** Items per claimed chunk. */
const CHUNK = 32;
/** How long the caller waits for a helper's chunk before doing it itself. */
const HELPER_TIMEOUT_MS = 10_000;

/**
 * A job: `data` holds the items' bytes, `offsets` where each item's fields
 * start (`fields` per item, plus the end), `out` `outSize` bytes per item,
 * `status` 1 (done) or 2 (failed) per item, `control` [next chunk, chunks done].
 */
export interface SharedJob {
  readonly kind: 'verify' | 'ephemeral';
  readonly data: SharedArrayBuffer;
  readonly offsets: SharedArrayBuffer;
  readonly fields: number;
  readonly out: SharedArrayBuffer;
  readonly outSize: number;
  readonly status: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  readonly n: number;
  readonly chunk: number;
  /** JWK kty and crv of the keys; hash for ECDSA verification (null for EdDSA); private key size for ephemeral keys. */
  readonly spec: { readonly kty: 'OKP' | 'EC'; readonly crv: string; readonly hash?: string | null; readonly size?: number };
}

// A CommonJS script (eval'd workers are not modules).
const HELPER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPrivateKey, createPublicKey, diffieHellman, randomBytes, verify } = require('node:crypto');
const b64 = (b) => Buffer.from(b).toString('base64url');
function publicKey(spec, pk) {
  if (spec.kty === 'OKP') return createPublicKey({ key: { kty: 'OKP', crv: spec.crv, x: b64(pk) }, format: 'jwk' });
  const n = (pk.length - 1) / 2;
  if (pk[0] !== 4) throw new Error('not an uncompressed point');
  return createPublicKey({ key: { kty: 'EC', crv: spec.crv, x: b64(pk.subarray(1, 1 + n)), y: b64(pk.subarray(1 + n)) }, format: 'jwk' });
}
function one(job, f, out, i) {
  if (job.kind === 'verify') {
    const k = publicKey(job.spec, f[0]);
    return verify(job.spec.hash, f[1], job.spec.hash === null ? k : { key: k, dsaEncoding: 'der' }, f[2]);
  }
  // ephemeral: a fresh OKP key pair; enc (its public key) then DH(skE, pkR).
  const sk = createPrivateKey({ key: { kty: 'OKP', crv: job.spec.crv, d: b64(randomBytes(job.spec.size)), x: '' }, format: 'jwk' });
  const enc = Buffer.from(sk.export({ format: 'jwk' }).x, 'base64url');
  const dh = diffieHellman({ privateKey: sk, publicKey: publicKey(job.spec, f[0]) });
  if (enc.length + dh.length !== job.outSize) return false;
  out.set(enc, i * job.outSize);
  out.set(dh, i * job.outSize + enc.length);
  return true;
}
parentPort.on('message', (job) => {
  const bytes = new Uint8Array(job.data);
  const offs = new Int32Array(job.offsets);
  const out = new Uint8Array(job.out);
  const status = new Int32Array(job.status);
  const ctrl = new Int32Array(job.control);
  const chunks = Math.ceil(job.n / job.chunk);
  for (;;) {
    const k = Atomics.add(ctrl, 0, 1);
    if (k >= chunks) break;
    const end = Math.min(job.n, (k + 1) * job.chunk);
    for (let i = k * job.chunk; i < end; i++) {
      let ok = false;
      try {
        const f = [];
        for (let j = 0; j < job.fields; j++) f.push(Buffer.from(bytes.subarray(offs[i * job.fields + j], offs[i * job.fields + j + 1])));
        ok = one(job, f, out, i) === true;
      } catch {
        ok = false;
      }
      Atomics.store(status, i, ok ? 1 : 2);
    }
    Atomics.add(ctrl, 1, 1);
    Atomics.notify(ctrl, 1);
  }
});
`;

let helpers: Worker[] | undefined;
let broken = false;

/** The helper threads (none on one core, or once one has failed). */
export function helperThreads(): readonly Worker[] {
  if (broken) return [];
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
  return broken ? [] : helpers;
}

/** Packs items (each `fields` byte strings) into a job's shared input. */
export function packJob(kind: SharedJob['kind'], items: readonly (readonly Uint8Array[])[], fields: number, outSize: number, spec: SharedJob['spec']): SharedJob {
  const n = items.length;
  let size = 0;
  for (const it of items) for (const b of it) size += b.length;
  const data = new SharedArrayBuffer(size);
  const bytes = new Uint8Array(data);
  const offsets = new SharedArrayBuffer(4 * (fields * n + 1));
  const offs = new Int32Array(offsets);
  let at = 0;
  items.forEach((it, i) => {
    for (let j = 0; j < fields; j++) {
      offs[i * fields + j] = at;
      bytes.set(it[j]!, at);
      at += it[j]!.length;
    }
  });
  offs[fields * n] = at;
  return {
    kind,
    data,
    offsets,
    fields,
    out: new SharedArrayBuffer(Math.max(1, outSize * n)),
    outSize,
    status: new SharedArrayBuffer(4 * n),
    control: new SharedArrayBuffer(8),
    n,
    chunk: CHUNK,
    spec,
  };
}

/**
 * Runs a job on the helpers and this thread (`doHere(i)` does item i here and
 * says whether it succeeded), and returns each item's status: 1 done, 2
 * failed, 0 not done (a helper stopped answering).
 */
export function runJob(job: SharedJob, workers: readonly Worker[], doHere: (i: number) => boolean): Int32Array {
  const ctrl = new Int32Array(job.control);
  const status = new Int32Array(job.status);
  for (const w of workers) w.postMessage(job);
  const chunks = Math.ceil(job.n / job.chunk);
  for (;;) {
    const k = Atomics.add(ctrl, 0, 1);
    if (k >= chunks) break;
    const end = Math.min(job.n, (k + 1) * job.chunk);
    for (let i = k * job.chunk; i < end; i++) Atomics.store(status, i, doHere(i) ? 1 : 2);
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
  return status;
}
