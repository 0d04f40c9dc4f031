// The vs-ts-mls scenario (scenario.ts) on Arbor, through the public API
// (main/mls/index.ts): bytes in, bytes out, as the messenger uses it.

import * as mls from '../../main/mls/index.js';
import type { ClientIdentity, GroupState, KeyPackageBundle } from '../../main/mls/index.js';
import type { ScenarioEngine, ScenarioRun } from './scenario.js';

const SUITE = 1;
/** Handshake messages as PrivateMessages, like ts-mls's default; the ratchet tree travels in the Welcome. */
const CONFIG = { handshakeWireFormat: 2 } as const;

/** What one run produced, for the floor model (floor.ts): the messages and the states around them. */
export interface ArborArtifacts {
  addCommit: Uint8Array;
  welcome: Uint8Array;
  creatorAfterAdd: GroupState;
  joiner: GroupState;
  updateCommit: Uint8Array;
  member1: GroupState;
  receiverAfterUpdate: GroupState;
  removeCommit: Uint8Array;
  creatorBeforeRemove: GroupState;
}

function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`arbor scenario: ${what} missing`);
  return v;
}

export class ArborEngine implements ScenarioEngine {
  readonly name = 'Arbor';
  /** The artifacts of the most recent run. */
  last: Partial<ArborArtifacts> = {};

  async prepare(n: number): Promise<() => ScenarioRun> {
    const creator = mls.createIdentity(SUITE, 'member 0');
    const ids: ClientIdentity[] = Array.from({ length: n - 1 }, (_, i) => mls.createIdentity(SUITE, `member ${i + 1}`));
    const bundles: KeyPackageBundle[] = ids.map((id) => mls.createKeyPackage(id));
    const kps = bundles.map((b) => b.keyPackage);
    const last = n - 2; // index into ids/bundles of leaf n-1
    const removed = n >> 1;
    return () => {
      const a = (this.last = {});
      let creator0: GroupState | undefined;
      let creatorState: GroupState | undefined;
      let welcome: Uint8Array | undefined;
      let lastState: GroupState | undefined;
      let member1: GroupState | undefined;
      let update: mls.CommitResult | undefined;
      let lastAfterUpdate: GroupState | undefined;
      let remove: mls.CommitResult | undefined;
      const run: ScenarioRun = {
        add: async () => {
          creator0 = mls.createGroup(creator, { config: CONFIG });
          const c = mls.addMembers(creator0, kps);
          creatorState = mls.mergePendingCommit(creator0, c.pending);
          welcome = must(c.welcome, 'Welcome');
          Object.assign(a, { addCommit: c.commit, welcome, creatorAfterAdd: creatorState });
        },
        join: async () => {
          lastState = mls.joinFromWelcome(must(welcome, 'Welcome'), bundles[last]!, ids[last]!, { config: CONFIG });
          Object.assign(a, { joiner: lastState });
        },
        prepareUpdate: async () => {
          member1 = mls.joinFromWelcome(must(welcome, 'Welcome'), bundles[0]!, ids[0]!, { config: CONFIG });
          Object.assign(a, { member1 });
        },
        update: async () => {
          update = mls.update(must(member1, 'member 1'));
          Object.assign(a, { updateCommit: update.commit });
        },
        processUpdate: async () => {
          const r = mls.processMessage(must(lastState, 'last member'), must(update, 'update').commit);
          if (r.result.kind !== 'commit') throw new Error(`arbor: update processed as ${r.result.kind}`);
          lastAfterUpdate = r.state;
          Object.assign(a, { receiverAfterUpdate: lastAfterUpdate });
        },
        prepareRemove: async () => {
          const r = mls.processMessage(must(creatorState, 'creator'), must(update, 'update').commit);
          if (r.result.kind !== 'commit') throw new Error(`arbor: update processed as ${r.result.kind} by the creator`);
          creatorState = r.state;
          Object.assign(a, { creatorBeforeRemove: creatorState });
        },
        remove: async () => {
          remove = mls.removeMembers(must(creatorState, 'creator'), [removed]);
          Object.assign(a, { removeCommit: remove.commit });
        },
        processRemove: async () => {
          const r = mls.processMessage(must(lastAfterUpdate, 'last member'), must(remove, 'remove').commit);
          if (r.result.kind !== 'commit') throw new Error(`arbor: remove processed as ${r.result.kind}`);
        },
      };
      return run;
    };
  }

  async messages(count: number): Promise<[number, number]> {
    const ids = Array.from({ length: 8 }, (_, i) => mls.createIdentity(SUITE, `m${i}`));
    const bundles = ids.slice(1).map((id) => mls.createKeyPackage(id));
    const g0 = mls.createGroup(ids[0]!, { config: CONFIG });
    const c = mls.addMembers(g0, bundles.map((b) => b.keyPackage));
    let sender = mls.mergePendingCommit(g0, c.pending);
    let receiver = mls.joinFromWelcome(c.welcome!, bundles[6]!, ids[7]!, { config: CONFIG });
    const payload = new Uint8Array(1024).fill(0x61);
    const out: Uint8Array[] = [];
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const m = mls.encrypt(sender, payload);
      sender = m.state;
      out.push(m.message);
    }
    const t1 = performance.now();
    for (const m of out) {
      const r = mls.processMessage(receiver, m);
      if (r.result.kind !== 'application') throw new Error('arbor: not an application message');
      receiver = r.state;
    }
    const t2 = performance.now();
    return [t1 - t0, t2 - t1];
  }
}
