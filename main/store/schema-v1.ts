// Schema version 1 of the client database. Real columns, one table per
// concept; secrets (private keys, group state, pending commits, KeyPackage
// secrets) live here only because the whole file is encrypted (database.ts).

export const SCHEMA_V1 = `
CREATE TABLE account (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  device_name TEXT NOT NULL,
  server_url TEXT NOT NULL,
  signature_public_key BLOB NOT NULL,
  signature_private_key BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- Our KeyPackages: the public package as uploaded, and the private keys that open its Welcome.
CREATE TABLE key_packages (
  ref BLOB PRIMARY KEY,
  key_package BLOB NOT NULL,
  init_private_key BLOB NOT NULL,
  encryption_private_key BLOB NOT NULL,
  last_resort INTEGER NOT NULL CHECK (last_resort IN (0, 1)),
  uploaded INTEGER NOT NULL DEFAULT 0 CHECK (uploaded IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;

-- People this user has an accepted conversation with: their invitations are accepted without asking.
CREATE TABLE contacts (
  user_id TEXT PRIMARY KEY,
  since INTEGER NOT NULL
) STRICT;

CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  group_id BLOB NOT NULL UNIQUE,
  title TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('creating', 'invited', 'active', 'leaving', 'left', 'removed')),
  invited_by TEXT,
  muted INTEGER NOT NULL DEFAULT 0 CHECK (muted IN (0, 1)),
  last_read_id INTEGER NOT NULL DEFAULT 0,
  unread_count INTEGER NOT NULL DEFAULT 0,
  -- Distinct users in the current epoch, kept with the member rows (the list shows it per conversation).
  member_count INTEGER NOT NULL DEFAULT 0,
  -- Member devices in the current epoch, this one included (how many receipts an own message waits for).
  device_count INTEGER NOT NULL DEFAULT 0,
  last_message_id INTEGER,
  last_activity_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  -- Every message with seq <= processed_seq is handled; acked_seq is what the server was told.
  processed_seq INTEGER NOT NULL DEFAULT 0,
  acked_seq INTEGER NOT NULL DEFAULT 0,
  -- The server's id of the Welcome that brought us here, acknowledged when the invitation is accepted.
  welcome_id INTEGER,
  on_server INTEGER NOT NULL DEFAULT 0 CHECK (on_server IN (0, 1)),
  last_resync_at INTEGER
) STRICT;

-- The group's members as of the current epoch, from the ratchet tree's credentials.
CREATE TABLE members (
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  leaf_index INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  -- The seq from which this device is a member (0: before this device joined), so a device that leaves
  -- is no longer awaited only by the messages sent while it was in.
  since_seq INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, leaf_index)
) STRICT, WITHOUT ROWID;
CREATE INDEX members_user ON members (conversation_id, user_id);

CREATE TABLE messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('text', 'system')),
  -- The sender-chosen unique id of a text message (16 bytes).
  uid BLOB,
  sender_user_id TEXT,
  sender_device_id TEXT,
  is_own INTEGER NOT NULL CHECK (is_own IN (0, 1)),
  body TEXT NOT NULL,
  system_type TEXT,
  system_by TEXT,
  system_title TEXT,
  system_count INTEGER,
  sent_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  status TEXT CHECK (status IN ('pending', 'sent', 'delivered', 'failed')),
  fail_reason TEXT,
  seq INTEGER,
  epoch INTEGER,
  -- Own text messages: the other member devices when the server accepted it, and how many confirmed.
  receipts_expected INTEGER,
  receipts_count INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE UNIQUE INDEX messages_uid ON messages (conversation_id, sender_user_id, sender_device_id, uid) WHERE uid IS NOT NULL;

-- The users named by a system line (joined, removed, safety code changed).
CREATE TABLE message_users (
  message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  PRIMARY KEY (message_id, position)
) STRICT, WITHOUT ROWID;

-- Delivery receipts for own text messages, one row per confirming device (written as receipts
-- arrive, so sending costs the same in a group of 2 or 10,000).
CREATE TABLE message_receipts (
  message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (message_id, user_id, device_id)
) STRICT, WITHOUT ROWID;

-- The outbox: one serial queue per conversation of durable jobs (messages in plaintext, receipts,
-- and the intents that become commits). 'sending' records the exact bytes handed to the server.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('message', 'receipt', 'create', 'add', 'remove', 'rename', 'leave', 'commit', 'accept', 'decline', 'resync')),
  message_id INTEGER REFERENCES messages (id) ON DELETE CASCADE,
  title TEXT,
  payload BLOB,
  state TEXT NOT NULL CHECK (state IN ('queued', 'sending')),
  wire BLOB,
  wire_epoch INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  deadline_at INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_conversation ON outbox (conversation_id, id);

CREATE TABLE outbox_users (
  job_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL,
  PRIMARY KEY (job_id, user_id)
) STRICT, WITHOUT ROWID;

-- An own commit the server has not answered yet: merged when accepted, dropped when another won.
CREATE TABLE pending_commits (
  conversation_id TEXT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
  job_id INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  commit_message BLOB NOT NULL,
  pending BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- The MLS group state in parts (main/mls/group/state-parts.ts): the core, rewritten per commit,
-- and the secret trees' frontier rows of the current and kept past epochs, written per message.
CREATE TABLE group_state (
  conversation_id TEXT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  core BLOB NOT NULL
) STRICT;

CREATE TABLE secret_tree_rows (
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  node INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (conversation_id, epoch, node)
) STRICT, WITHOUT ROWID;

-- Seqs of our own accepted messages that the receive path has not reached yet.
CREATE TABLE own_seqs (
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq)
) STRICT, WITHOUT ROWID;

-- Raw messages from the server, stored before processing. 'future': for an epoch we have not
-- reached, kept (bounded) until the commit that starts it is processed.
CREATE TABLE inbound (
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('commit', 'proposal', 'application')),
  sender_user_id TEXT NOT NULL,
  sender_device_id TEXT NOT NULL,
  message BLOB NOT NULL,
  server_ts INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'future')),
  PRIMARY KEY (conversation_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  theme TEXT NOT NULL DEFAULT 'system' CHECK (theme IN ('light', 'dark', 'system')),
  notifications INTEGER NOT NULL DEFAULT 1 CHECK (notifications IN (0, 1))
) STRICT;
INSERT INTO settings (id) VALUES (1);
`;
