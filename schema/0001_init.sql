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
  fake_msgid   INTEGER NOT NULL DEFAULT 0, -- 1: the mail had no usable Message-ID
  pw_ignore    INTEGER NOT NULL DEFAULT 0, -- 1: "X-Patchwork-Hint: ignore"
  has_text     INTEGER NOT NULL DEFAULT 0  -- 1: bodies.text_len > 0
);
CREATE UNIQUE INDEX messages_raw_sha1 ON messages(raw_sha1);
CREATE INDEX messages_thread ON messages(thread_id);
CREATE INDEX messages_date ON messages(date);
CREATE INDEX messages_from ON messages(from_email);

-- The text body (first inline text/plain part, decoded to UTF-8), apart
-- from messages so that scans of messages (the thread pass, most queries)
-- do not read every body.
-- The text body. Most list mail is one plain-text part whose decoded text is
-- exactly the raw bytes after the header: then only its offset in raw is
-- kept (raw_offset), not a second copy. The bodies view below gives the text
-- either way.
CREATE TABLE body_store (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id),
  -- Where Patchwork's cleaned text (signature and list footer cut, white
  -- space stripped) lies in the body, in characters: covers.content and
  -- comments.content are this substring, so it is not stored twice.
  text_start INTEGER NOT NULL DEFAULT 0,
  text_len   INTEGER NOT NULL DEFAULT 0,
  raw_offset INTEGER,                     -- set: the body is raw.bytes from here on
  body       TEXT                         -- set otherwise
);

-- Trailers ("Xxx-by:", "Fixes:") found in any mail's cleaned text; the
-- series pass gives those of comments to the patches they answer.
CREATE TABLE mail_trailers (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  position   INTEGER NOT NULL,
  name       TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (message_id, position)
) WITHOUT ROWID;

-- The original bytes of each message (without the mbox "From " line, with
-- mbox >From quoting undone), kept apart so scans of messages stay small.
CREATE TABLE raw (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id),
  bytes      BLOB NOT NULL
);

CREATE VIEW bodies AS
  SELECT b.message_id, b.text_start, b.text_len,
         coalesce(b.body, CAST(substr(r.bytes, b.raw_offset + 1) AS TEXT)) AS body
  FROM body_store b LEFT JOIN raw r ON r.message_id = b.message_id;

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

-- All header fields of a message in one row, as a JSON array in original
-- order: one insert per mail instead of ~40 (the import's largest cost
-- otherwise). A field whose value needs no decoding (one line of printable
-- ASCII, no encoded word: most of them) is [name, offset, length] into the
-- raw mail, so its text is not stored twice - [name, offset, length, 1] when
-- it is folded over lines and the view unfolds it (RFC 5322 2.2.3: line
-- breaks removed; a tab after one reads as a space); any other is
-- [name, value], the value unfolded and RFC 2047-decoded. The headers view
-- below is the public relation and gives every value as text.
CREATE TABLE message_headers (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id),
  fields     TEXT NOT NULL
);

CREATE VIEW headers AS
  SELECT h.message_id AS message_id,
         CAST(j.key AS INTEGER) AS position,  -- 0-based, order in the mail
         j.value ->> 0 AS name,               -- as written
         CASE json_array_length(j.value)
           WHEN 2 THEN j.value ->> 1
           WHEN 3 THEN CAST(substr(r.bytes, (j.value ->> 1) + 1, j.value ->> 2) AS TEXT)
           ELSE replace(replace(replace(CAST(substr(r.bytes, (j.value ->> 1) + 1, j.value ->> 2) AS TEXT),
                                        char(13), ''), char(10) || char(9), ' '), char(10), '')
         END AS value
  FROM message_headers h JOIN raw r ON r.message_id = h.message_id, json_each(h.fields) j;

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

-- ---------------------------------------------------------------------------
-- Patchwork's model: patches, cover letters, comments, series, files and
-- trailers. docs/SCHEMA.md documents every table and view.
--
-- patch_data and cover_data hold what a mail says about itself (read from
-- its subject and body at import); comments, series, trailers from replies
-- and messages.kind are derived from all mails by the series pass after
-- every import. Everything here can be rebuilt from the raw mail.

CREATE TABLE patch_data (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id),
  name       TEXT NOT NULL,
  prefixes   TEXT NOT NULL DEFAULT '[]',  -- JSON array of prefix tokens
  version    INTEGER NOT NULL DEFAULT 1,
  number     INTEGER,                     -- NULL without an N/M token
  total      INTEGER,
  hash       TEXT,                        -- Patchwork's hash of the diff
  patch_id   TEXT,                        -- git patch-id --stable
  pull_url   TEXT,
  content    TEXT NOT NULL DEFAULT '',
  diff       TEXT NOT NULL DEFAULT '',
  -- JSON array of the named rules where we read this mail better than
  -- Patchwork (docs/PATCHWORK.md); the parity tool excuses differences by them.
  deviations TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX patch_data_hash ON patch_data(hash);
CREATE INDEX patch_data_patch_id ON patch_data(patch_id);

-- Derived: a patch's place in its series, as Patchwork numbers it (an
-- unnumbered patch is 1 of 1). Apart from patch_data so that the series pass
-- does not rewrite every patch's content and diff.
CREATE TABLE patch_series (
  patch_id  INTEGER PRIMARY KEY,
  series_id INTEGER,
  number    INTEGER,
  total     INTEGER
);
CREATE INDEX patch_series_series ON patch_series(series_id);

CREATE TABLE cover_data (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id),
  name       TEXT NOT NULL,
  title      TEXT NOT NULL DEFAULT '',    -- the subject without its [...] groups
  prefixes   TEXT NOT NULL DEFAULT '[]',
  version    INTEGER NOT NULL DEFAULT 1,
  total      INTEGER,
  deviations TEXT NOT NULL DEFAULT '[]',
  series_id  INTEGER                      -- derived
);
CREATE INDEX cover_data_series ON cover_data(series_id);

-- Derived: a reply to a known patch or cover letter.
CREATE TABLE comment_data (
  message_id INTEGER PRIMARY KEY REFERENCES messages(id),
  patch_id   INTEGER,
  cover_id   INTEGER,
  deviations TEXT NOT NULL DEFAULT '[]'  -- e.g. ["reply-before-patch"]
);
CREATE INDEX comment_data_patch ON comment_data(patch_id);
CREATE INDEX comment_data_cover ON comment_data(cover_id);

-- Derived.
CREATE TABLE series (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL DEFAULT '',
  version         INTEGER NOT NULL DEFAULT 1,
  total           INTEGER NOT NULL DEFAULT 0,
  received        INTEGER NOT NULL DEFAULT 0,
  date            TEXT,
  submitter_name  TEXT NOT NULL DEFAULT '',
  submitter_email TEXT NOT NULL DEFAULT '',
  cover_id        INTEGER,
  list_id         TEXT NOT NULL DEFAULT '',
  previous_id     INTEGER,          -- the earlier version of this series (v1 -> v2 -> v3)
  superseded      INTEGER NOT NULL DEFAULT 0  -- 1: a later version exists
);
CREATE INDEX series_submitter ON series(submitter_email);
CREATE INDEX series_date ON series(date);

CREATE TABLE patch_files (
  patch_id      INTEGER NOT NULL,
  position      INTEGER NOT NULL,
  old_path      TEXT NOT NULL,
  new_path      TEXT NOT NULL,
  lines_added   INTEGER NOT NULL,
  lines_removed INTEGER NOT NULL,
  PRIMARY KEY (patch_id, position)
) WITHOUT ROWID;
CREATE INDEX patch_files_new_path ON patch_files(new_path);

-- Trailers of a patch: its own (source_msgid = its msgid) and those of the
-- comments on it (derived).
CREATE TABLE trailers (
  patch_id     INTEGER NOT NULL,
  name         TEXT NOT NULL,
  value        TEXT NOT NULL,
  source_msgid TEXT NOT NULL,
  inherited    INTEGER NOT NULL DEFAULT 0  -- 1: given on the cover letter
);
CREATE INDEX trailers_patch ON trailers(patch_id);

CREATE VIEW patches AS
  SELECT m.id AS id, m.id AS message_id, m.msgid, p.name, m.date,
         m.from_name AS submitter_name, m.from_email AS submitter_email,
         p.hash, p.patch_id, s.series_id, s.number, p.version, s.total, p.prefixes,
         p.pull_url, p.content, p.diff, m.list_id
  FROM patch_data p JOIN messages m ON m.id = p.message_id
  LEFT JOIN patch_series s ON s.patch_id = p.message_id
  -- patch_data is what a mail says alone; the series pass may still keep it
  -- out (X-Patchwork-Hint: ignore), and then it is no patch.
  WHERE m.kind = 'patch';

CREATE VIEW covers AS
  SELECT m.id AS id, m.id AS message_id, m.msgid, c.name, m.date,
         m.from_name AS submitter_name, m.from_email AS submitter_email,
         c.series_id, c.version, c.total, c.prefixes,
         substr(b.body, b.text_start + 1, b.text_len) AS content, m.list_id
  FROM cover_data c JOIN messages m ON m.id = c.message_id
  LEFT JOIN bodies b ON b.message_id = c.message_id;

CREATE VIEW comments AS
  SELECT m.id AS id, m.id AS message_id, m.msgid, c.patch_id, c.cover_id, m.date,
         m.from_name AS submitter_name, m.from_email AS submitter_email,
         substr(b.body, b.text_start + 1, b.text_len) AS content
  FROM comment_data c JOIN messages m ON m.id = c.message_id
  LEFT JOIN bodies b ON b.message_id = c.message_id;

-- Secondary indexes dropped while a new database is first filled and built
-- at the end (sorted once instead of updated per row); a run that stopped
-- half-way leaves their definitions here and the next open builds them.
CREATE TABLE deferred_indexes (
  name TEXT PRIMARY KEY,
  sql  TEXT NOT NULL
);
