// Findings of the robustness fuzz that are bugs still open in the engine. Each
// one is excluded from its fuzz test (so the suite stays green) and has its own
// `todo` test that fails until the owner fixes it. Matchers are precise: a new
// bug of another kind or at another place still fails the fuzz test.

import type { Finding } from './probe.js';

export interface KnownFinding {
  readonly id: string;
  readonly codec: string;
  readonly todo: string;
  readonly matches: (f: Finding) => boolean;
}

// Found and since fixed: GroupState private_keys accepted out of order or for
// any node (now a regression test in state-codecs.test.ts).
export const KNOWN_FINDINGS: readonly KnownFinding[] = [];

export function isKnown(f: Finding): KnownFinding | undefined {
  return KNOWN_FINDINGS.find((k) => k.codec === f.codec && k.matches(f));
}
