// The scenario `npm run bench -- vs-ts-mls` runs on both engines (ts-mls's own
// benchmark scenario): in cipher suite 0x0001 the creator adds N-1 members in
// one commit; the last member joins from the Welcome (tree inside); member 1
// commits an empty update and the last member processes it; the creator
// removes member N/2 and the last member processes that. Handshake messages
// are PrivateMessages in both (ts-mls's default); untimed steps bring every
// party to the epoch the timed steps need. Separately, a group of 8 sends 1 KiB
// application messages from one member to another.

/** One engine running the scenario for one group size; each timed step is one method. */
export interface ScenarioRun {
  /** Creator adds members 1..N-1 (one commit, Welcome made, merged). */
  add(): Promise<void>;
  /** The last member joins from that Welcome. */
  join(): Promise<void>;
  /** Untimed: member 1 joins too, so it can commit. */
  prepareUpdate(): Promise<void>;
  /** Member 1 commits with an empty proposal list (a full path). */
  update(): Promise<void>;
  /** The last member processes member 1's commit. */
  processUpdate(): Promise<void>;
  /** Untimed: the creator processes member 1's commit. */
  prepareRemove(): Promise<void>;
  /** The creator removes member N/2 (with a path). */
  remove(): Promise<void>;
  /** The last member processes the removal. */
  processRemove(): Promise<void>;
}

export interface ScenarioEngine {
  readonly name: string;
  /** Untimed setup for a group of `n`: identities and N-1 KeyPackages. */
  prepare(n: number): Promise<() => ScenarioRun>;
  /** Application messages in a group of 8: `count` 1 KiB messages encrypted by one member, then decrypted by another; returns [encrypt ms, decrypt ms]. */
  messages(count: number): Promise<[number, number]>;
}

/** The timed steps in order, with their labels. */
export const STEPS = [
  ['add', 'add N-1 members (one commit)'],
  ['join', 'join from the Welcome'],
  ['update', 'update commit (empty, full path)'],
  ['processUpdate', 'process that update'],
  ['remove', 'remove commit (member N/2)'],
  ['processRemove', 'process the remove'],
] as const;

export type StepName = (typeof STEPS)[number][0];
