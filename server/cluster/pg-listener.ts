// The LISTEN side of the DS processes' notifications: one dedicated
// connection (a pooled one would be handed to other queries). If it drops,
// it reconnects with a growing pause; notifications sent meanwhile are lost
// to this process, so `onConnected` runs after every (re)connection and the
// fan-out catches up from the database (pg-fanout.ts).

import pg from 'pg';

export interface ListenerOptions {
  readonly connectionString: string;
  readonly channel: string;
  readonly applicationName: string;
  readonly onNotice: (payload: string) => void;
  /** After the first connection and after each reconnection. */
  readonly onConnected: (reconnected: boolean) => void;
  readonly log: (line: string) => void;
}

export interface NoticeSource {
  start(): Promise<void>;
  close(): Promise<void>;
}

const MIN_PAUSE_MS = 100;
const MAX_PAUSE_MS = 5000;

export class PgListener implements NoticeSource {
  private client: pg.Client | undefined;
  private closing = false;
  private pause = MIN_PAUSE_MS;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: ListenerOptions) {}

  /** Connects and listens; the first connection must succeed (a server that cannot hear the others must not start). */
  async start(): Promise<void> {
    await this.connect(false);
  }

  private async connect(reconnect: boolean): Promise<void> {
    const c = new pg.Client({ connectionString: this.o.connectionString, application_name: this.o.applicationName, keepAlive: true });
    c.on('notification', (m) => {
      if (m.channel === this.o.channel && m.payload !== undefined) this.o.onNotice(m.payload);
    });
    c.on('error', (err) => this.lost(c, err.message));
    c.on('end', () => this.lost(c, 'connection ended'));
    try {
      await c.connect();
      // The channel name is a constant of ours, not input: safe to inline (LISTEN takes no parameters).
      await c.query(`LISTEN ${this.o.channel}`);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    this.client = c;
    this.pause = MIN_PAUSE_MS;
    if (reconnect) this.o.log(`notifications: listening again on ${this.o.channel}`);
    this.o.onConnected(reconnect);
  }

  private lost(c: pg.Client, why: string): void {
    if (this.closing || this.client !== c) return;
    this.client = undefined;
    this.o.log(`notifications: lost the listening connection (${why}); reconnecting`);
    c.end().catch(() => {});
    this.retry();
  }

  private retry(): void {
    if (this.closing || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect(true).catch((err: unknown) => {
        this.o.log(`notifications: cannot reconnect (${(err as Error).message}); again in ${this.pause} ms`);
        this.pause = Math.min(MAX_PAUSE_MS, this.pause * 2);
        this.retry();
      });
    }, this.pause);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }
}
