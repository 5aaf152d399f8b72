-- Several lists in one database (issue 7). The same mail sent to two lists
-- has one Message-ID and is one message: messages.list_id is the first list
-- it was received through, other_lists every further one. Permanent data:
-- a copy's list may come from `import --list-id`, which its bytes do not
-- record, so `mlidx reindex` carries this table over instead of
-- re-deriving it. IF NOT EXISTS: tests/test_search.cc turns a database back
-- into schema 1 by its user_version alone.
CREATE TABLE IF NOT EXISTS other_lists (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  list_id    TEXT NOT NULL,
  PRIMARY KEY (message_id, list_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS other_lists_list ON other_lists(list_id);
CREATE INDEX IF NOT EXISTS messages_list ON messages(list_id);

-- Every list a message was seen on, one row each.
CREATE VIEW IF NOT EXISTS message_lists AS
  SELECT id AS message_id, list_id FROM messages WHERE list_id <> ''
  UNION ALL
  SELECT message_id, list_id FROM other_lists;
