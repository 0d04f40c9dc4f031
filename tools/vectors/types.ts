// The contract between the vector runner and each kind of official test-vector file
// (mlswg/mls-implementations format). A kind module exports `runCase`, which
// throws (with a reason) when a case fails and returns normally when it passes.

import type { CryptoProvider } from '../../main/mls/crypto/provider.js';

export interface VectorKind {
  /** Runs one case of the file. Throws an Error saying what differed when the case fails. */
  runCase(testCase: unknown, provider: CryptoProvider): void;
}

/** A case that is skipped for a reason the runner reports (for example an unsupported suite): never counted as passed. */
export class SkipCase extends Error {
  override name = 'SkipCase';
}
