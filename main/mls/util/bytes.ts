// Byte helpers used throughout the engine. Uint8Array everywhere; no Buffer in pure modules.

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Comparison whose time depends only on the lengths: for MACs and tags. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

// Two characters per byte from a table: half the string operations of nibble by nibble.
// toHex also makes the keys of the maps that find keys by value (caches, uniqueness checks).
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX_BYTE[b[i]!]!;
  return s;
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new TypeError(`fromHex: not a hex string of even length`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * A string that identifies these bytes (one character per byte), for Map keys:
 * cheaper to make and half the size of hex. Not for display.
 */
export function bytesKey(b: Uint8Array): string {
  // Each char code is one byte; apply() takes the array as the argument list (keys are short).
  return b.length <= 1024 ? String.fromCharCode.apply(null, b as unknown as number[]) : toHex(b);
}

const enc = new TextEncoder();
export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}

/** Overwrite secret material we no longer need (best effort: JS may have copies). */
export function wipe(b: Uint8Array): void {
  b.fill(0);
}
