// The core's handle on the delivery service: the DsClient (one logged-in
// connection, reconnecting with backoff), and during the catch-up that runs
// after each login, that connection's session (requests made on the client
// itself would wait for 'online', which comes only after the catch-up).

import type { ConnectionStatus } from '../contract/types.js';
import { DeviceKey, DsClient, DsDisconnected, DsUnreachable, type DsApi, type DsSession, type DsStatusInfo } from '../net/index.js';
import type { DsBehind, DsMessage, DsWelcome } from '../net/protocol-types.js';
import type { AccountRow } from '../store/account-store.js';

export interface DsLinkHandlers {
  online(): Promise<void>;
  status(s: ConnectionStatus): void;
  message(m: DsMessage): void;
  welcome(w: DsWelcome): void;
  behind(b: DsBehind): void;
}

export interface DsLinkOptions {
  readonly reconnectBaseMs: number;
  readonly reconnectCapMs: number;
  readonly log: (line: string) => void;
}

export function deviceKeyOf(a: Pick<AccountRow, 'signaturePrivateKey' | 'signaturePublicKey'>): DeviceKey {
  return DeviceKey.fromKeyPair({ privateKey: a.signaturePrivateKey, publicKey: a.signaturePublicKey });
}

/** Why the connection is down, in words a person can act on (the technical detail stays in the log). */
export function connectionProblem(e: Error | undefined, fatal: boolean): string | null {
  if (fatal) return 'The server no longer accepts this device.';
  if (e === undefined) return null;
  if (e instanceof DsUnreachable) {
    const r = e.reason;
    const host = (() => {
      try {
        return new URL(e.url).host;
      } catch {
        return e.url;
      }
    })();
    if (/ECONNREFUSED/.test(r)) return `The server at ${host} is not answering (connection refused).`;
    if (/ENOTFOUND|EAI_AGAIN/.test(r)) return `The server address ${host} cannot be found.`;
    if (/ETIMEDOUT|timed out|no hello/i.test(r)) return `The server at ${host} did not answer in time.`;
    if (/certificate|TLS|SSL/i.test(r)) return `The secure connection to ${host} failed: ${r}`;
    return `Cannot reach the server at ${host}.`;
  }
  if (e instanceof DsDisconnected) return 'The connection to the server was lost.';
  return `The connection failed: ${e.message}`;
}

function statusOf(s: DsStatusInfo): ConnectionStatus {
  return { state: s.status, lastError: s.status === 'online' ? null : connectionProblem(s.lastError, s.fatal), nextRetryAt: s.nextRetryAt ?? null };
}

export class DsLink {
  private readonly client: DsClient;
  private session: DsSession | undefined;

  constructor(account: AccountRow, handlers: DsLinkHandlers, o: DsLinkOptions) {
    this.client = new DsClient({
      url: account.serverUrl,
      userId: account.userId,
      deviceId: account.deviceId,
      key: deviceKeyOf(account),
      backoff: { baseMs: o.reconnectBaseMs, capMs: o.reconnectCapMs },
      log: (level, m) => {
        if (level !== 'debug') o.log(`ds ${level}: ${m}`);
      },
      onOnline: async (session) => {
        this.session = session;
        try {
          await handlers.online();
        } finally {
          this.session = undefined;
        }
      },
    });
    this.client.on('status', (s) => handlers.status(statusOf(s)));
    this.client.on('message', handlers.message);
    this.client.on('welcome', handlers.welcome);
    this.client.on('behind', handlers.behind);
  }

  /** The requests to use now: the catch-up's session while it runs, else the client. */
  get api(): DsApi {
    return this.session ?? this.client;
  }

  status(): ConnectionStatus {
    return statusOf(this.client.statusInfo);
  }

  start(): void {
    this.client.start();
  }

  stop(): Promise<void> {
    return this.client.stop();
  }

  reconnectNow(): void {
    this.client.reconnectNow();
  }
}
