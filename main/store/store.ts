// The client store: one encrypted SQLite file per data directory, seen through
// one small class per concept. Callers group writes with tx(): a received
// message's new group state, message rows and cursor commit together or not at all.

import { join } from 'node:path';
import { AccountStore } from './account-store.js';
import { ConversationStore } from './conversation-store.js';
import { openDatabase, type Db } from './database.js';
import { GroupStore } from './group-store.js';
import { InboundStore } from './inbound-store.js';
import { MessageStore } from './message-store.js';
import { OutboxStore } from './outbox-store.js';

export const DATABASE_FILE = 'arbor.db';

export class Store {
  readonly account: AccountStore;
  readonly conversations: ConversationStore;
  readonly messages: MessageStore;
  readonly outbox: OutboxStore;
  readonly groups: GroupStore;
  readonly inbound: InboundStore;

  private constructor(readonly db: Db) {
    this.account = new AccountStore(db);
    this.conversations = new ConversationStore(db);
    this.messages = new MessageStore(db);
    this.outbox = new OutboxStore(db);
    this.groups = new GroupStore(db);
    this.inbound = new InboundStore(db);
  }

  static open(dataDir: string, key: Uint8Array): Store {
    return new Store(openDatabase(join(dataDir, DATABASE_FILE), key));
  }

  /** Runs `fn` in one IMMEDIATE transaction (nested calls join the outer one). */
  tx<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.db.transaction(fn).immediate();
  }

  /**
   * A transaction that need not survive a power loss, only a crash of the
   * process (WAL, synchronous=NORMAL): raw messages the server still holds
   * until we ack them. The next FULL commit makes them durable anyway.
   */
  txRelaxed<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.db.transaction(fn).immediate();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
