-- mlidx schema, version 1. docs/SCHEMA.md documents every table and column.
--
-- Two kinds of data live here (public-inbox keeps them apart the same way):
--   permanent: raw mail and its identity (messages, raw, variants, message_headers,
--              recipients, refs, attachments, problems) - written by import,
--              never derived from anything else;
--   derived:   threads, ghosts, thread_id/parent columns - rebuilt from the
--              permanent data by the thread pass after every import.

CREATE TABLE messages (
  id           INTEGER PRIMARY KEY,
  msgid        TEXT NOT NULL UNIQUE,       -- without angle brackets
  date         TEXT,                       -- UTC, YYYY-MM-DDTHH:MM:SS
  from_name    TEXT NOT NULL DEFAULT '',
  from_email   TEXT NOT NULL DEFAULT '',
  subject      TEXT NOT NULL DEFAULT '',
  list_id      TEXT NOT NULL DEFAULT '',
  in_reply_to  TEXT,                       -- displayed parent msgid
  thread_id    INTEGER,                    -- derived
  kind         TEXT NOT NULL DEFAULT 'message'
               -- OR, not IN (...): SQLite builds a temporary table for IN on every insert
               CHECK (kind = 'patch' OR kind = 'cover' OR kind = 'comment' OR kind = 'message'),
  size         INTEGER NOT NULL,           -- bytes of the raw mail
  raw_sha1     BLOB NOT NULL,              -- SHA-1 of the raw mail
  fake_msgid   INTEGER NOT NULL DEFAULT 0  -- 1: the mail had no usable Message-ID
);
CREATE UNIQUE INDEX messages_raw_sha1 ON messages(raw_sha1);
CREATE INDEX messages_thread ON messages(thread_id);
CREATE INDEX messages_date ON messages(date);
CREATE INDEX messages_from ON messages(from_email);

-- The text body (first inline text/plain part, decoded to UTF-8), apart
-- from messages so that scans of messages (the thread pass, most queries)
-- do not read every body.
CREATE TABLE bodies (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id),
  body       TEXT NOT NULL
);

-- The original bytes of each message (without the mbox "From " line, with
-- mbox >From quoting undone), kept apart so scans of messages stay small.
CREATE TABLE raw (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id),
  bytes      BLOB NOT NULL
);

-- A mail whose Message-ID was already taken by a message with other bytes.
CREATE TABLE variants (
  id         INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES messages(id),
  raw_sha1   BLOB NOT NULL UNIQUE,
  date       TEXT,
  from_email TEXT NOT NULL DEFAULT '',
  subject    TEXT NOT NULL DEFAULT '',
  bytes      BLOB NOT NULL
);
CREATE INDEX variants_message ON variants(message_id);

-- All header fields of a message in one row, as a JSON array of
-- [name, value] pairs in original order: one insert per mail instead of ~40
-- (the import's largest cost otherwise). The headers view below is the
-- public relation; values are unfolded and RFC 2047-decoded.
CREATE TABLE message_headers (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id),
  fields     TEXT NOT NULL
);

CREATE VIEW headers AS
  SELECT h.message_id AS message_id,
         CAST(j.key AS INTEGER) AS position,  -- 0-based, order in the mail
         j.value ->> 0 AS name,               -- as written
         j.value ->> 1 AS value
  FROM message_headers h, json_each(h.fields) j;

-- A plain rowid table: appended in message order, so both the table and its
-- message_id index grow at their right edge (a WITHOUT ROWID key or an index
-- on email would make each of the ~13 rows per mail a random insert).
CREATE TABLE recipients (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  position   INTEGER NOT NULL,
  kind       TEXT NOT NULL CHECK (kind = 'to' OR kind = 'cc'),
  name       TEXT NOT NULL DEFAULT '',
  email      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX recipients_message ON recipients(message_id);

-- Every id a message refers to (In-Reply-To, then References), cleaned.
CREATE TABLE refs (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  position   INTEGER NOT NULL,
  msgid      TEXT NOT NULL,
  PRIMARY KEY (message_id, position)
) WITHOUT ROWID;
CREATE INDEX refs_msgid ON refs(msgid);

CREATE TABLE attachments (
  message_id   INTEGER NOT NULL REFERENCES messages(id),
  position     INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  filename     TEXT NOT NULL DEFAULT '',
  size         INTEGER NOT NULL,
  PRIMARY KEY (message_id, position)
) WITHOUT ROWID;

CREATE TABLE problems (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  kind       TEXT NOT NULL,
  detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX problems_message ON problems(message_id);
CREATE INDEX problems_kind ON problems(kind);

-- Derived by the thread pass.
CREATE TABLE threads (
  id            INTEGER PRIMARY KEY,   -- the smallest messages.id in the thread
  root_msgid    TEXT NOT NULL,
  subject       TEXT NOT NULL DEFAULT '',
  message_count INTEGER NOT NULL,
  ghost_count   INTEGER NOT NULL DEFAULT 0,
  first_date    TEXT,
  last_date     TEXT
);

CREATE TABLE ghosts (
  msgid        TEXT PRIMARY KEY,
  thread_id    INTEGER NOT NULL,
  parent_msgid TEXT
) WITHOUT ROWID;
CREATE INDEX ghosts_thread ON ghosts(thread_id);
