// How accepted messages reach connected devices. One DS process on its own
// (SQLite) pushes each message as its transaction commits: LocalFanout. Several
// processes on one PostgreSQL database (pg-fanout.ts) must also push what the
// others accepted, in seq order per group; both sit behind this interface so
// the transport (ws-server.ts) does not know which it has.

import type { DeviceRef, StoredMessage, WelcomeRecord } from '../storage/types.js';

/** What the transport does with a push: send it to this process's connections of the devices. */
export interface PushSink<Origin> {
  /** `origin`: the connection that posted the message (it gets the seq in its response, not a push), if it is here. */
  pushMessage(msg: StoredMessage, to: readonly DeviceRef[], origin: Origin | null): void;
  pushWelcome(device: DeviceRef, w: WelcomeRecord): void;
}

export interface Fanout<Origin> {
  start(sink: PushSink<Origin>): Promise<void>;
  /** A message this process accepted (its transaction committed); `to`: the group's readers when it was. */
  accepted(msg: StoredMessage, to: readonly DeviceRef[], origin: Origin): void;
  /** A Welcome this process queued. */
  welcomed(device: DeviceRef, w: WelcomeRecord): void;
  /** The device's first connection here logged in / its last one closed. */
  online(device: DeviceRef): void;
  offline(device: DeviceRef): void;
  close(): Promise<void>;
}

/** One process: every message is accepted here, so it is pushed at once, in commit order. */
export class LocalFanout<Origin> implements Fanout<Origin> {
  private sink: PushSink<Origin> | undefined;

  start(sink: PushSink<Origin>): Promise<void> {
    this.sink = sink;
    return Promise.resolve();
  }

  accepted(msg: StoredMessage, to: readonly DeviceRef[], origin: Origin): void {
    this.sink?.pushMessage(msg, to, origin);
  }

  welcomed(device: DeviceRef, w: WelcomeRecord): void {
    this.sink?.pushWelcome(device, w);
  }

  online(): void {}
  offline(): void {}

  close(): Promise<void> {
    return Promise.resolve();
  }
}
