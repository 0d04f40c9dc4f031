// The encodings of protocol objects that are encoded again and again, kept
// with the object: a LeafNode for its signature, the tree hash, every stored
// state and every GroupInfo carrying the tree; a KeyPackage for its signature,
// its KeyPackageRef and the commit adding it; a Commit for its signature, the
// transcript hash and its PrivateMessage. These objects are never modified
// (readonly types; every change makes a new object), so an encoding computed
// once stays that object's encoding, and the WeakMap lets it go with the
// object. Like the tree-hash memo (tree/ratchet-tree.ts), it changes no result.
// A decoder records the bytes it decoded such an object from (rememberEncoding).

import { Encoder } from './encoder.js';

const memo = new WeakMap<object, Uint8Array>();

/** The encoding of `v` by `encodeFn`, computed on the first call for that object. The caller must not modify it. */
export function memoEncoding<T extends object>(v: T, encodeFn: (e: Encoder, v: T) => void): Uint8Array {
  let b = memo.get(v);
  if (b === undefined) {
    const e = new Encoder();
    encodeFn(e, v);
    b = e.finish();
    memo.set(v, b);
  }
  return b;
}

/**
 * Records `bytes` as the encoding of `v`, decoded from them: the strict decoder
 * (minimal varints, no trailing bytes, unknown values refused or kept as they
 * came) makes decoding then encoding give back the same bytes.
 */
export function rememberEncoding(v: object, bytes: Uint8Array): void {
  memo.set(v, bytes);
}

/** Writes the memoized encoding of `v` into `e`. */
export function encodeMemo<T extends object>(e: Encoder, v: T, encodeFn: (e: Encoder, v: T) => void): void {
  e.raw(memoEncoding(v, encodeFn));
}
