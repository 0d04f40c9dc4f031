// The byte strings a device signs for the delivery service (docs/protocol.md §3.1):
//   tbs = utf8("arbor-ds/1 " + label) || 0x00 || for each field: u32be(len(field)) || field
// Written again here rather than imported from server/auth.ts, because the
// messenger must not depend on the server; test/net/tbs.test.ts checks that
// both produce the same bytes.

export type SignLabel = 'login' | 'register' | 'add-device';

const utf8 = new TextEncoder();

export function toBeSigned(label: SignLabel, fields: readonly (Uint8Array | string)[]): Uint8Array {
  const head = utf8.encode(`arbor-ds/1 ${label}\u0000`);
  const parts = fields.map((f) => (typeof f === 'string' ? utf8.encode(f) : f));
  const out = new Uint8Array(head.length + parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  out.set(head, 0);
  let at = head.length;
  for (const p of parts) {
    view.setUint32(at, p.length);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}
