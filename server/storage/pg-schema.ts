// The PostgreSQL schema of the delivery service (server/storage/pg.ts), as
// numbered migrations applied in order at start (pg-migrate.ts). A migration,
// once released, is never edited: a change is a new migration with the next
// number, so every database reaches the same schema by the same steps.
//
// The tables mirror the SQLite schema (sqlite-schema.ts) with PostgreSQL types:
// ids compare bytewise (`COLLATE "C"`, bytea), so pages by `after` and their
// order are the same as SQLite's; MLS bytes are stored without compression
// (STORAGE EXTERNAL), since ciphertext does not compress and trying costs CPU.

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The LISTEN/NOTIFY channel on which the DS processes hear about each other's writes (server/cluster/). */
export const NOTIFY_CHANNEL = 'arbor_ds';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'tables of revision 2: devices, KeyPackages, groups with their public state, members, messages, Welcomes',
    sql: `
CREATE TABLE devices (
  user_id text COLLATE "C" NOT NULL, device_id text COLLATE "C" NOT NULL, public_key bytea NOT NULL, created_at bigint NOT NULL,
  PRIMARY KEY (user_id, device_id));
CREATE TABLE key_packages (
  id bigserial PRIMARY KEY, user_id text COLLATE "C" NOT NULL, device_id text COLLATE "C" NOT NULL,
  last_resort boolean NOT NULL, data bytea NOT NULL, not_after bigint NOT NULL, created_at bigint NOT NULL);
CREATE INDEX key_packages_device ON key_packages (user_id, device_id, last_resort, id);
CREATE INDEX key_packages_expiry ON key_packages (not_after);
CREATE TABLE chat_groups (
  group_id bytea PRIMARY KEY, epoch bigint NOT NULL, last_seq bigint NOT NULL,
  allow_external boolean NOT NULL, group_info bytea, group_info_epoch bigint,
  public_state bytea NOT NULL, state_rev bigint NOT NULL, created_at bigint NOT NULL);
CREATE TABLE members (
  group_id bytea NOT NULL, user_id text COLLATE "C" NOT NULL, device_id text COLLATE "C" NOT NULL,
  status text NOT NULL CHECK (status IN ('invited', 'member', 'declined')),
  join_seq bigint NOT NULL, leave_seq bigint, acked bigint NOT NULL,
  welcome_id bigint, proposal_used boolean NOT NULL DEFAULT false,
  PRIMARY KEY (group_id, user_id, device_id));
CREATE INDEX members_device ON members (user_id, device_id, group_id);
CREATE TABLE messages (
  group_id bytea NOT NULL, seq bigint NOT NULL, epoch bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('commit', 'proposal', 'application')),
  sender_user text COLLATE "C" NOT NULL, sender_device text COLLATE "C" NOT NULL,
  data bytea NOT NULL, size integer NOT NULL, created_at bigint NOT NULL,
  PRIMARY KEY (group_id, seq));
CREATE INDEX messages_created ON messages (created_at);
CREATE TABLE welcomes (
  id bigserial PRIMARY KEY, group_id bytea NOT NULL, epoch bigint NOT NULL,
  sender_user text COLLATE "C" NOT NULL, sender_device text COLLATE "C" NOT NULL,
  data bytea NOT NULL, size integer NOT NULL, created_at bigint NOT NULL);
CREATE INDEX welcomes_created ON welcomes (created_at);
CREATE TABLE welcome_queue (
  user_id text COLLATE "C" NOT NULL, device_id text COLLATE "C" NOT NULL, welcome_id bigint NOT NULL,
  PRIMARY KEY (user_id, device_id, welcome_id));
CREATE INDEX welcome_queue_welcome ON welcome_queue (welcome_id);
ALTER TABLE messages ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE welcomes ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE key_packages ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE chat_groups ALTER COLUMN public_state SET STORAGE EXTERNAL;
`,
  },
  {
    version: 2,
    name: 'notifications for the other DS processes: message stored, reader joined, Welcome queued',
    // Triggers, so that no write path can forget to notify. NOTIFY is
    // transactional: a notification is delivered only when (and if) the
    // transaction commits, to every listener, in commit order. The payload
    // names rows, it does not carry them (the listener reads what it pushes).
    // `n` is the writer's application_name (its node id), so a process can
    // skip Welcomes it has already pushed itself.
    sql: `
CREATE FUNCTION arbor_notify_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${NOTIFY_CHANNEL}', json_build_object('k', 'm', 'g', encode(NEW.group_id, 'hex'), 's', NEW.seq)::text);
  RETURN NULL;
END $$;
CREATE TRIGGER messages_notify AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION arbor_notify_message();

-- A device starts reading a group (creator, external joiner, accepted invitation): processes where it is
-- connected push it the group's messages after s, the group's last seq when it started.
CREATE FUNCTION arbor_notify_reader() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'member' AND NEW.leave_seq IS NULL
     AND (TG_OP = 'INSERT' OR OLD.status <> 'member' OR OLD.leave_seq IS NOT NULL) THEN
    PERFORM pg_notify('${NOTIFY_CHANNEL}', json_build_object('k', 'j', 'g', encode(NEW.group_id, 'hex'), 'u', NEW.user_id, 'd', NEW.device_id,
      's', (SELECT last_seq FROM chat_groups WHERE group_id = NEW.group_id))::text);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER members_notify AFTER INSERT OR UPDATE OF status, leave_seq ON members FOR EACH ROW EXECUTE FUNCTION arbor_notify_reader();

CREATE FUNCTION arbor_notify_welcome() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${NOTIFY_CHANNEL}', json_build_object('k', 'w', 'id', NEW.id, 'n', current_setting('application_name'))::text);
  RETURN NULL;
END $$;
CREATE TRIGGER welcomes_notify AFTER INSERT ON welcomes FOR EACH ROW EXECUTE FUNCTION arbor_notify_welcome();
`,
  },
];

export const PG_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
