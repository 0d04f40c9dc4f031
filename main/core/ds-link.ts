// The core's handle on the delivery service: the DsClient (one logged-in
// connection, reconnecting with backoff), and during the catch-up that runs
// after each login, that connection's session (requests made on the client
// itself would wait for 'online', which comes only after the catch-up).

import type { ConnectionStatus } from '../contract/types.js';
import { DeviceKey, DsClient, type DsApi, type DsSession, type DsStatusInfo } from '../net/index.js';
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

function statusOf(s: DsStatusInfo): ConnectionStatus {
  return {
    state: s.status,
    lastError: s.fatal ? `The server no longer accepts this device: ${s.lastError?.message ?? 'login refused'}` : s.lastError === undefined ? null : s.lastError.message,
    nextRetryAt: s.nextRetryAt ?? null,
  };
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
