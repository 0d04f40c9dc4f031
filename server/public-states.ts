// Each group's public MLS state (main/mls/public) as the service works with
// it: decoded from its stored bytes, with a small cache keyed by the state's
// revision so that a busy group's tree is not decoded again for every commit,
// and the engine's errors turned into protocol refusals that say where.

import { CryptoError, DecodeError, publicGroupFromBytes, ValidationError, type PublicGroup } from '../main/mls/index.js';
import { ErrorCode, ProtocolError } from './protocol.js';
import type { GroupStateRecord } from './storage/types.js';

export class PublicStates {
  private readonly cache = new Map<string, { rev: number; group: PublicGroup; bytes: number }>();
  private bytes = 0;

  /** At most `maxCached` groups, and about `maxBytes` of their encoded states (decoded, a few times that). */
  constructor(
    private readonly maxCached = 64,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  private static key(groupId: Uint8Array): string {
    return Buffer.from(groupId).toString('base64');
  }

  /** The decoded state of a stored group (cached while its revision is unchanged). */
  load(rec: GroupStateRecord): PublicGroup {
    const k = PublicStates.key(rec.groupId);
    const hit = this.cache.get(k);
    if (hit !== undefined && hit.rev === rec.stateRev) {
      this.cache.delete(k);
      this.cache.set(k, hit);
      return hit.group;
    }
    const group = publicGroupFromBytes(rec.publicState);
    this.remember(rec.groupId, rec.stateRev, group, rec.publicState.length);
    return group;
  }

  /** Remembers the state just stored at revision `rev` (`bytes`: its encoded size). */
  remember(groupId: Uint8Array, rev: number, group: PublicGroup, bytes: number): void {
    const k = PublicStates.key(groupId);
    this.forget(k);
    this.cache.set(k, { rev, group, bytes });
    this.bytes += bytes;
    while (this.cache.size > this.maxCached || (this.bytes > this.maxBytes && this.cache.size > 1)) {
      const oldest = this.cache.keys().next();
      if (oldest.done === true) break;
      this.forget(oldest.value);
    }
  }

  private forget(k: string): void {
    const e = this.cache.get(k);
    if (e === undefined) return;
    this.bytes -= e.bytes;
    this.cache.delete(k);
  }
}

/** Runs an engine call; its refusal of the client's bytes becomes `bad_message` naming the field. */
export function engine<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DecodeError || err instanceof ValidationError || err instanceof CryptoError) {
      throw new ProtocolError(ErrorCode.badMessage, `${field}: ${err.message}`);
    }
    throw err;
  }
}
