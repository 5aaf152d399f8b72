-- mlidx schema: patch state offline (superseded, accepted with commit_ref,
-- and what only a human knows). docs/SCHEMA.md, "Patch state", documents
-- every relation here.
--
-- Permanent (kept by reindex, keyed by the patch's Message-ID, which a
-- reindex does not renumber): state_decisions, commit_matches,
-- seen_commits. Derived: link_progress, and patch_states, a view over
-- them and series.superseded, which the series pass rebuilds.
-- IF NOT EXISTS throughout: a database taken back to an older
-- user_version by hand (as tests do to replay a migration) keeps these
-- tables, and must still migrate.

-- Patchwork's default states (its fixtures/default_states.xml), by the
-- slug its REST API gives in a patch's "state".
CREATE TABLE IF NOT EXISTS states (
  name            TEXT PRIMARY KEY,
  title           TEXT NOT NULL,
  ordering        INTEGER NOT NULL,
  action_required INTEGER NOT NULL  -- 1: the patch still waits for a maintainer
) WITHOUT ROWID;
INSERT OR IGNORE INTO states (name, title, ordering, action_required) VALUES
  ('new', 'New', 0, 1),
  ('under-review', 'Under Review', 1, 1),
  ('accepted', 'Accepted', 2, 0),
  ('rejected', 'Rejected', 3, 0),
  ('rfc', 'RFC', 4, 0),
  ('not-applicable', 'Not Applicable', 5, 0),
  ('changes-requested', 'Changes Requested', 6, 0),
  ('awaiting-upstream', 'Awaiting Upstream', 7, 0),
  ('superseded', 'Superseded', 8, 0),
  ('deferred', 'Deferred', 9, 0);

-- `mlidx state set`: a human decision, the last one per patch. No rule
-- overrides it.
CREATE TABLE IF NOT EXISTS state_decisions (
  msgid    TEXT PRIMARY KEY,            -- the patch's messages.msgid
  state    TEXT NOT NULL REFERENCES states(name),
  archived INTEGER NOT NULL DEFAULT 0,  -- Patchwork's "archived" flag
  reason   TEXT NOT NULL DEFAULT '',
  decided  TEXT NOT NULL                -- UTC, YYYY-MM-DDTHH:MM:SS
) WITHOUT ROWID;

-- `mlidx link-commits`: the commit that carries a patch's change; the
-- first commit found per patch is kept.
CREATE TABLE IF NOT EXISTS commit_matches (
  msgid      TEXT PRIMARY KEY,          -- the patch's messages.msgid
  commit_ref TEXT NOT NULL,             -- full commit id
  match_kind TEXT NOT NULL
             CHECK (match_kind = 'patch-id' OR match_kind = 'hash' OR match_kind = 'subject-author'),
  repo       TEXT NOT NULL,             -- the repository's absolute git directory
  matched    TEXT NOT NULL              -- UTC, when link-commits found it
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS commit_matches_commit ON commit_matches(commit_ref);

-- Commits link-commits has already read, per repository, with what the
-- rules compare: a re-run reads only the others from git, and a patch
-- imported later is matched against these without git.
CREATE TABLE IF NOT EXISTS seen_commits (
  repo         TEXT NOT NULL,
  commit_ref   TEXT NOT NULL,
  patch_id     TEXT,                  -- git_patch_id of its diff (src/patch/diff.cc)
  hash         TEXT,                  -- patchwork_hash of its diff
  author_email TEXT NOT NULL DEFAULT '',
  subject      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (repo, commit_ref)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_commits_patch_id ON seen_commits(patch_id);
CREATE INDEX IF NOT EXISTS seen_commits_hash ON seen_commits(hash);
CREATE INDEX IF NOT EXISTS seen_commits_author ON seen_commits(author_email);

-- Derived (reindex starts it again from 0): patches with messages.id up to
-- patches_upto have been compared with this repository's seen commits.
CREATE TABLE IF NOT EXISTS link_progress (
  repo         TEXT PRIMARY KEY,
  patches_upto INTEGER NOT NULL
) WITHOUT ROWID;

-- A patch's state: a human decision first, then a commit that carries it
-- (accepted), then a later version of its series (superseded, the version
-- link of series.previous_id; every patch of the older series, since a
-- series is reviewed and replaced whole), else new.
CREATE VIEW IF NOT EXISTS patch_states AS
  SELECT m.id AS patch_id, m.msgid,
         CASE WHEN d.state IS NOT NULL THEN d.state
              WHEN c.commit_ref IS NOT NULL THEN 'accepted'
              WHEN s.superseded = 1 THEN 'superseded'
              ELSE 'new' END AS state,
         CASE WHEN d.state IS NOT NULL THEN 'user'
              WHEN c.commit_ref IS NOT NULL THEN 'commit'
              WHEN s.superseded = 1 THEN 'version'
              ELSE 'default' END AS state_source,
         coalesce(d.archived, 0) AS archived,
         c.commit_ref, c.match_kind, c.repo,
         d.reason, d.decided
  FROM patch_data p JOIN messages m ON m.id = p.message_id
  LEFT JOIN patch_series ps ON ps.patch_id = p.message_id
  LEFT JOIN series s ON s.id = ps.series_id
  LEFT JOIN state_decisions d ON d.msgid = m.msgid
  LEFT JOIN commit_matches c ON c.msgid = m.msgid
  WHERE m.kind = 'patch';
