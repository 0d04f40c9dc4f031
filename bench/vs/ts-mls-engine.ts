// The vs-ts-mls scenario (scenario.ts) on ts-mls 1.6.4 (a devDependency, used
// only by tests and benchmarks), through its public API: decoded messages in
// and out, as its own benchmark drives it.

import {
  createApplicationMessage,
  createCommit,
  createGroup,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  processPrivateMessage,
  type CiphersuiteImpl,
  type ClientState,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  type PrivateMessage,
  type Proposal,
  type Welcome,
} from 'ts-mls';
import type { ScenarioEngine, ScenarioRun } from './scenario.js';

interface Member {
  pub: KeyPackage;
  priv: PrivateKeyPackage;
}

const enc = new TextEncoder();

async function member(cs: CiphersuiteImpl, name: string): Promise<Member> {
  const kp = await generateKeyPackage({ credentialType: 'basic', identity: enc.encode(name) }, defaultCapabilities(), defaultLifetime, [], cs);
  return { pub: kp.publicPackage, priv: kp.privatePackage };
}

function privateMessageOf(m: MLSMessage): PrivateMessage {
  if (m.wireformat !== 'mls_private_message') throw new Error(`ts-mls: expected a PrivateMessage, got ${m.wireformat}`);
  return m.privateMessage;
}

async function process(state: ClientState, m: MLSMessage, cs: CiphersuiteImpl): Promise<ClientState> {
  const r = await processPrivateMessage(state, privateMessageOf(m), emptyPskIndex, cs);
  if (r.kind !== 'newState') throw new Error('ts-mls: a commit was processed as an application message');
  return r.newState;
}

function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`ts-mls scenario: ${what} missing`);
  return v;
}

export class TsMlsEngine implements ScenarioEngine {
  readonly name = 'ts-mls';
  private cs: CiphersuiteImpl | undefined;

  private async suite(): Promise<CiphersuiteImpl> {
    this.cs ??= await getCiphersuiteImpl(getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519'));
    return this.cs;
  }

  async prepare(n: number): Promise<() => ScenarioRun> {
    const cs = await this.suite();
    const creator = await member(cs, 'member 0');
    const others: Member[] = [];
    for (let i = 1; i < n; i++) others.push(await member(cs, `member ${i}`));
    const adds: Proposal[] = others.map((m) => ({ proposalType: 'add', add: { keyPackage: m.pub } }));
    const last = others[n - 2]!;
    const removeN2: Proposal = { proposalType: 'remove', remove: { removed: n >> 1 } };
    return () => {
      let creatorState: ClientState | undefined;
      let welcome: Welcome | undefined;
      let lastState: ClientState | undefined;
      let member1: ClientState | undefined;
      let update: MLSMessage | undefined;
      let lastAfterUpdate: ClientState | undefined;
      let remove: MLSMessage | undefined;
      return {
        add: async () => {
          const g0 = await createGroup(enc.encode('bench group'), creator.pub, creator.priv, [], cs);
          const r = await createCommit({ state: g0, cipherSuite: cs, pskIndex: emptyPskIndex }, { extraProposals: adds, ratchetTreeExtension: true });
          creatorState = r.newState;
          welcome = must(r.welcome, 'Welcome');
        },
        join: async () => {
          lastState = await joinGroup(must(welcome, 'Welcome'), last.pub, last.priv, emptyPskIndex, cs);
        },
        prepareUpdate: async () => {
          member1 = await joinGroup(must(welcome, 'Welcome'), others[0]!.pub, others[0]!.priv, emptyPskIndex, cs);
        },
        update: async () => {
          update = (await createCommit({ state: must(member1, 'member 1'), cipherSuite: cs, pskIndex: emptyPskIndex })).commit;
        },
        processUpdate: async () => {
          lastAfterUpdate = await process(must(lastState, 'last member'), must(update, 'update'), cs);
        },
        prepareRemove: async () => {
          creatorState = await process(must(creatorState, 'creator'), must(update, 'update'), cs);
        },
        remove: async () => {
          remove = (await createCommit({ state: must(creatorState, 'creator'), cipherSuite: cs, pskIndex: emptyPskIndex }, { extraProposals: [removeN2] })).commit;
        },
        processRemove: async () => {
          await process(must(lastAfterUpdate, 'last member'), must(remove, 'remove'), cs);
        },
      };
    };
  }

  async messages(count: number): Promise<[number, number]> {
    const cs = await this.suite();
    const ms: Member[] = [];
    for (let i = 0; i < 8; i++) ms.push(await member(cs, `m${i}`));
    const g0 = await createGroup(enc.encode('bench messages'), ms[0]!.pub, ms[0]!.priv, [], cs);
    const adds: Proposal[] = ms.slice(1).map((m) => ({ proposalType: 'add', add: { keyPackage: m.pub } }));
    const c = await createCommit({ state: g0, cipherSuite: cs, pskIndex: emptyPskIndex }, { extraProposals: adds, ratchetTreeExtension: true });
    let sender = c.newState;
    let receiver = await joinGroup(must(c.welcome, 'Welcome'), ms[7]!.pub, ms[7]!.priv, emptyPskIndex, cs);
    const payload = new Uint8Array(1024).fill(0x61);
    const out: PrivateMessage[] = [];
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const m = await createApplicationMessage(sender, payload, cs);
      sender = m.newState;
      out.push(m.privateMessage);
    }
    const t1 = performance.now();
    for (const m of out) {
      const r = await processPrivateMessage(receiver, m, emptyPskIndex, cs);
      if (r.kind !== 'applicationMessage') throw new Error('ts-mls: not an application message');
      receiver = r.newState;
    }
    const t2 = performance.now();
    return [t1 - t0, t2 - t1];
  }
}
