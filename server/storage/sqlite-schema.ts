// The SQLite schema of the delivery service (server/storage/sqlite.ts).
//
// Version 2 keeps each group's public MLS state (main/mls/public) with the
// group row and derives the members from it, with an invitation status; a
// version-1 database has neither (its rosters were the committers' word), so
// it cannot be upgraded in place and is refused with an explanation.

export const SCHEMA_VERSION = 2;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (
  user_id TEXT NOT NULL, device_id TEXT NOT NULL, public_key BLOB NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id));
CREATE TABLE IF NOT EXISTS key_packages (
  id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, device_id TEXT NOT NULL,
  last_resort INTEGER NOT NULL, data BLOB NOT NULL, not_after INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS key_packages_device ON key_packages (user_id, device_id, last_resort, id);
CREATE INDEX IF NOT EXISTS key_packages_expiry ON key_packages (not_after);
CREATE TABLE IF NOT EXISTS chat_groups (
  group_id BLOB PRIMARY KEY, epoch INTEGER NOT NULL, last_seq INTEGER NOT NULL,
  allow_external INTEGER NOT NULL, group_info BLOB, group_info_epoch INTEGER,
  public_state BLOB NOT NULL, state_rev INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS members (
  group_id BLOB NOT NULL, user_id TEXT NOT NULL, device_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('invited', 'member', 'declined')),
  join_seq INTEGER NOT NULL, leave_seq INTEGER, acked INTEGER NOT NULL,
  welcome_id INTEGER, proposal_used INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (group_id, user_id, device_id));
CREATE INDEX IF NOT EXISTS members_device ON members (user_id, device_id, group_id);
CREATE TABLE IF NOT EXISTS messages (
  group_id BLOB NOT NULL, seq INTEGER NOT NULL, epoch INTEGER NOT NULL, kind TEXT NOT NULL,
  sender_user TEXT NOT NULL, sender_device TEXT NOT NULL, data BLOB NOT NULL, size INTEGER NOT NULL, created_at INTEGER NOT NULL,
  UNIQUE (group_id, seq));
CREATE INDEX IF NOT EXISTS messages_created ON messages (created_at);
CREATE TABLE IF NOT EXISTS welcomes (
  id INTEGER PRIMARY KEY AUTOINCREMENT, group_id BLOB NOT NULL, epoch INTEGER NOT NULL,
  sender_user TEXT NOT NULL, sender_device TEXT NOT NULL,
  data BLOB NOT NULL, size INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS welcomes_created ON welcomes (created_at);
CREATE TABLE IF NOT EXISTS welcome_queue (
  user_id TEXT NOT NULL, device_id TEXT NOT NULL, welcome_id INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_id, welcome_id));
CREATE INDEX IF NOT EXISTS welcome_queue_welcome ON welcome_queue (welcome_id);
`;

/** The statements, by name. */
export const STATEMENTS = {
  getDevice: `SELECT * FROM devices WHERE user_id = ? AND device_id = ?`,
  listDevices: `SELECT * FROM devices WHERE user_id = ? ORDER BY device_id`,
  countDevices: `SELECT COUNT(*) AS n FROM devices WHERE user_id = ?`,
  insertDevice: `INSERT INTO devices (user_id, device_id, public_key, created_at) VALUES (?, ?, ?, ?)`,

  countKp: `SELECT COUNT(*) AS n FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = 0 AND not_after >= ?`,
  countUserKp: `SELECT COUNT(*) AS n FROM key_packages WHERE user_id = ? AND last_resort = 0 AND not_after >= ?`,
  hasLastResort: `SELECT COUNT(*) AS n FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = 1 AND not_after >= ?`,
  insertKp: `INSERT INTO key_packages (user_id, device_id, last_resort, data, not_after, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
  deleteLastResort: `DELETE FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = 1`,
  deleteExpiredKpOf: `DELETE FROM key_packages WHERE user_id = ? AND device_id = ? AND not_after < ?`,
  firstKp: `SELECT id, data FROM key_packages WHERE user_id = ? AND device_id = ? AND last_resort = ? ORDER BY id LIMIT 1`,
  deleteKp: `DELETE FROM key_packages WHERE id = ?`,
  purgeKp: `DELETE FROM key_packages WHERE not_after < ?`,

  getGroup: `SELECT group_id, epoch, last_seq, allow_external, group_info, group_info_epoch, state_rev, created_at FROM chat_groups WHERE group_id = ?`,
  getGroupState: `SELECT group_id, epoch, last_seq, allow_external, state_rev, public_state, created_at FROM chat_groups WHERE group_id = ?`,
  insertGroup: `INSERT INTO chat_groups (group_id, epoch, last_seq, allow_external, group_info, group_info_epoch, public_state, state_rev, created_at)
    VALUES (?, 0, 0, ?, ?, 0, ?, 1, ?)`,
  advanceGroup: `UPDATE chat_groups SET epoch = ?, last_seq = ?, public_state = ?, state_rev = state_rev + 1 WHERE group_id = ?`,
  setState: `UPDATE chat_groups SET public_state = ?, state_rev = state_rev + 1 WHERE group_id = ?`,
  setGroupInfo: `UPDATE chat_groups SET group_info = ?, group_info_epoch = ? WHERE group_id = ?`,
  setLastSeq: `UPDATE chat_groups SET last_seq = ? WHERE group_id = ?`,

  getMember: `SELECT * FROM members WHERE group_id = ? AND user_id = ? AND device_id = ?`,
  upsertMember: `INSERT INTO members (group_id, user_id, device_id, status, join_seq, leave_seq, acked, welcome_id, proposal_used)
    VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 0)
    ON CONFLICT (group_id, user_id, device_id) DO UPDATE SET status = excluded.status, join_seq = excluded.join_seq, leave_seq = NULL,
      acked = excluded.acked, welcome_id = excluded.welcome_id, proposal_used = 0`,
  setStatus: `UPDATE members SET status = ? WHERE group_id = ? AND user_id = ? AND device_id = ?`,
  useProposal: `UPDATE members SET proposal_used = 1 WHERE group_id = ? AND user_id = ? AND device_id = ?`,
  removeMember: `UPDATE members SET leave_seq = ? WHERE group_id = ? AND user_id = ? AND device_id = ?`,
  setAcked: `UPDATE members SET acked = ? WHERE group_id = ? AND user_id = ? AND device_id = ?`,
  deleteMember: `DELETE FROM members WHERE group_id = ? AND user_id = ? AND device_id = ?`,
  readers: `SELECT user_id, device_id FROM members WHERE group_id = ? AND status = 'member' AND leave_seq IS NULL ORDER BY user_id, device_id`,
  roster: `SELECT user_id, device_id, status FROM members WHERE group_id = ? AND leave_seq IS NULL AND (user_id > ? OR (user_id = ? AND device_id > ?))
    ORDER BY user_id, device_id LIMIT ?`,
  // Declined devices read nothing, so they hold no message back.
  minAcked: `SELECT MIN(acked) AS m, COUNT(*) AS n FROM members WHERE group_id = ? AND status != 'declined'`,
  groupsOf: `SELECT g.group_id, g.epoch, g.last_seq, m.status, m.join_seq, m.leave_seq, m.acked, m.proposal_used
    FROM members m JOIN chat_groups g ON g.group_id = m.group_id
    WHERE m.user_id = ? AND m.device_id = ? AND m.status = 'member' AND m.group_id > ? ORDER BY m.group_id LIMIT ?`,

  insertMessage: `INSERT INTO messages (group_id, seq, epoch, kind, sender_user, sender_device, data, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  fetchSizes: `SELECT seq, size FROM messages WHERE group_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
  fetch: `SELECT * FROM messages WHERE group_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
  deleteAcked: `DELETE FROM messages WHERE group_id = ? AND seq <= ?`,
  deleteAllOfGroup: `DELETE FROM messages WHERE group_id = ?`,

  insertWelcome: `INSERT INTO welcomes (group_id, epoch, sender_user, sender_device, data, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  getWelcome: `SELECT id, group_id FROM welcomes WHERE id = ?`,
  queueWelcome: `INSERT OR IGNORE INTO welcome_queue (user_id, device_id, welcome_id) VALUES (?, ?, ?)`,
  welcomeSizes: `SELECT w.id, w.size FROM welcome_queue q JOIN welcomes w ON w.id = q.welcome_id WHERE q.user_id = ? AND q.device_id = ? AND w.id > ? ORDER BY w.id LIMIT ?`,
  listWelcomes: `SELECT w.* FROM welcome_queue q JOIN welcomes w ON w.id = q.welcome_id WHERE q.user_id = ? AND q.device_id = ? AND w.id > ? ORDER BY w.id LIMIT ?`,
  unqueueWelcome: `DELETE FROM welcome_queue WHERE user_id = ? AND device_id = ? AND welcome_id = ?`,
  dropUnqueuedWelcome: `DELETE FROM welcomes WHERE id = ? AND NOT EXISTS (SELECT 1 FROM welcome_queue WHERE welcome_id = ?)`,

  purgeMessages: `DELETE FROM messages WHERE created_at < ?`,
  purgeWelcomeQueue: `DELETE FROM welcome_queue WHERE welcome_id IN (SELECT id FROM welcomes WHERE created_at < ?)`,
  purgeWelcomes: `DELETE FROM welcomes WHERE created_at < ?`,
  purgeDrainedMembers: `DELETE FROM members WHERE leave_seq IS NOT NULL AND NOT EXISTS
    (SELECT 1 FROM messages m WHERE m.group_id = members.group_id AND m.seq > members.acked AND m.seq <= members.leave_seq)`,
} as const;

export type StatementName = keyof typeof STATEMENTS;
