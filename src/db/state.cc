#include "db/state.hh"

#include <string_view>

namespace mlidx::db {

std::vector<std::string> state_names(Connection& c) {
  std::vector<std::string> out;
  Statement st(c, "SELECT name FROM states ORDER BY ordering");
  while (st.step()) out.emplace_back(st.text(0));
  return out;
}

void set_decision(Connection& c, const std::string& msgid, const std::string& state,
                  const std::string& reason, bool archived, const std::string& now) {
  Statement st(c, "INSERT OR REPLACE INTO state_decisions (msgid, state, archived, reason, decided) "
                  "VALUES (?,?,?,?,?)");
  st.bind(1, msgid).bind(2, state).bind(3, std::int64_t{archived}).bind(4, reason).bind(5, now).run();
}

bool clear_decision(Connection& c, const std::string& msgid) {
  Statement st(c, "DELETE FROM state_decisions WHERE msgid = ?");
  st.bind(1, msgid).run();
  return sqlite3_changes(c.handle()) > 0;
}

namespace {

// Every row of `table`, values as they are (sqlite3_bind_value keeps their
// types).
void copy_table(Connection& from, Connection& to, const std::string& table, int columns) {
  std::string marks = "?";
  for (int i = 1; i < columns; ++i) marks += ",?";
  Statement read(from, "SELECT * FROM " + table);
  Statement write(to, "INSERT OR REPLACE INTO " + table + " VALUES (" + marks + ")");
  while (read.step()) {
    for (int i = 0; i < columns; ++i)
      sqlite3_bind_value(write.handle(), i + 1, sqlite3_column_value(read.handle(), i));
    write.run();
  }
}

}  // namespace

void copy_permanent_state(Connection& from, Connection& to) {
  copy_table(from, to, "state_decisions", 5);
  copy_table(from, to, "commit_matches", 5);
  copy_table(from, to, "seen_commits", 6);
}

const char* match_kind_name(MatchKind k) {
  switch (k) {
    case MatchKind::PatchId: return "patch-id";
    case MatchKind::Hash: return "hash";
    case MatchKind::SubjectAuthor: return "subject-author";
    default: return "none";
  }
}

namespace {
constexpr std::string_view kCandidates =
    "SELECT m.msgid, coalesce(s.superseded, 0), p.name, p.prefixes FROM patch_data p "
    "JOIN messages m ON m.id = p.message_id LEFT JOIN patch_series ps ON ps.patch_id = p.message_id "
    "LEFT JOIN series s ON s.id = ps.series_id WHERE m.kind = 'patch' AND ";

// Patchwork's name is "[prefixes] title" when there are prefixes: the title
// is what a commit's subject is (git am drops the [PATCH ...] group).
std::string_view title_of(std::string_view name, std::string_view prefixes) {
  if (prefixes == "[]" || !name.starts_with('[')) return name;
  auto end = name.find("] ");
  return end == std::string_view::npos ? name : name.substr(end + 2);
}
}  // namespace

CommitLinker::CommitLinker(Connection& c, std::string repo, std::string now)
    : c_(c),
      repo_(std::move(repo)),
      now_(std::move(now)),
      seen_(c, "SELECT commit_ref FROM seen_commits WHERE repo = ?"),
      by_patch_id_(c, std::string(kCandidates) + "p.patch_id = ? ORDER BY m.id"),
      by_hash_(c, std::string(kCandidates) + "p.hash = ? ORDER BY m.id"),
      by_author_(c, std::string(kCandidates) + "m.from_email = ? ORDER BY m.id"),
      insert_match_(c, "INSERT OR IGNORE INTO commit_matches (msgid, commit_ref, match_kind, repo, matched) "
                       "VALUES (?,?,?,?,?)"),
      insert_seen_(c, "INSERT OR IGNORE INTO seen_commits (repo, commit_ref, patch_id, hash, author_email, subject) "
                      "VALUES (?,?,?,?,?,?)"),
      decided_(c, "SELECT 1 FROM state_decisions WHERE msgid = ?"),
      seen_by_patch_id_(c, "SELECT commit_ref FROM seen_commits WHERE patch_id = ?2 AND repo = ?1"),
      seen_by_hash_(c, "SELECT commit_ref FROM seen_commits WHERE hash = ?2 AND repo = ?1"),
      seen_by_author_(c, "SELECT commit_ref, subject FROM seen_commits WHERE author_email = ?2 AND repo = ?1"),
      seen_info_(c, "SELECT author_email, subject, coalesce(patch_id, ''), coalesce(hash, '') "
                    "FROM seen_commits WHERE repo = ? AND commit_ref = ?") {
  Statement upto(c, "SELECT patches_upto FROM link_progress WHERE repo = ?");
  upto.bind(1, repo_);
  if (upto.step()) upto_ = upto.int64(0);
  Statement max(c, "SELECT coalesce(max(id), 0) FROM messages");
  if (max.step()) max_id_ = max.int64(0);
}

std::unordered_set<std::string> CommitLinker::seen() {
  std::unordered_set<std::string> out;
  seen_.bind(1, repo_);
  while (seen_.step()) out.emplace(seen_.text(0));
  seen_.reset();
  return out;
}

std::vector<CommitLinker::Candidate> CommitLinker::by_key(Statement& st, const std::string& key) {
  std::vector<Candidate> out;
  if (key.empty()) return out;
  st.bind(1, key);
  while (st.step()) out.push_back({std::string(st.text(0)), st.int64(1) != 0});
  st.reset();
  return out;
}

std::vector<CommitLinker::Candidate> CommitLinker::by_subject(const CommitInfo& commit) {
  std::vector<Candidate> out;
  if (commit.author_email.empty() || commit.subject.empty()) return out;
  by_author_.bind(1, commit.author_email);
  while (by_author_.step())
    if (title_of(by_author_.text(2), by_author_.text(3)) == commit.subject)
      out.push_back({std::string(by_author_.text(0)), by_author_.int64(1) != 0});
  by_author_.reset();
  return out;
}

// The same change is often in every version of a series (patch 1 of v1 and
// of v2): the commit is the current version's, and an older version is
// credited only when no current one matches.
void CommitLinker::record(const std::vector<Candidate>& cands, const CommitInfo& commit, MatchKind kind) {
  bool any_current = false;
  for (const auto& c : cands) any_current = any_current || !c.superseded;
  for (const auto& c : cands) {
    if (any_current && c.superseded) continue;
    insert_match_.bind(1, c.msgid).bind(2, commit.id).bind(3, std::string_view(match_kind_name(kind)))
        .bind(4, repo_).bind(5, now_).run();
    if (sqlite3_changes(c_.handle()) == 0) continue;  // matched before
    ++totals_.accepted;
    ++totals_.by_kind[static_cast<int>(kind)];
    decided_.bind(1, c.msgid);
    if (decided_.step()) ++totals_.overruled;
    decided_.reset();
  }
}

void CommitLinker::match(const CommitInfo& commit) {
  std::vector<Candidate> cands = by_key(by_patch_id_, commit.patch_id);
  MatchKind kind = MatchKind::PatchId;
  if (cands.empty()) {
    cands = by_key(by_hash_, commit.hash);
    kind = MatchKind::Hash;
  }
  if (cands.empty()) {
    cands = by_subject(commit);
    kind = MatchKind::SubjectAuthor;
  }
  if (!cands.empty()) record(cands, commit, kind);
}

void CommitLinker::link(const CommitInfo& commit) {
  match(commit);
  insert_seen_.bind(1, repo_).bind(2, commit.id).bind_opt(3, commit.patch_id).bind_opt(4, commit.hash)
      .bind(5, commit.author_email).bind(6, commit.subject).run();
}

std::vector<std::string> CommitLinker::seen_matching(const std::string& patch_id, const std::string& hash,
                                                     const std::string& email, std::string_view title) {
  std::vector<std::string> out;
  for (auto [st, key] : {std::pair{&seen_by_patch_id_, &patch_id}, std::pair{&seen_by_hash_, &hash}}) {
    if (key->empty()) continue;
    st->bind(1, repo_).bind(2, *key);
    while (st->step()) out.emplace_back(st->text(0));
    st->reset();
  }
  seen_by_author_.bind(1, repo_).bind(2, email);
  while (seen_by_author_.step())
    if (seen_by_author_.text(1) == title) out.emplace_back(seen_by_author_.text(0));
  seen_by_author_.reset();
  return out;
}

// Each commit that could carry a new patch is matched again as a whole, so
// that the rules' order and the preference for the current version apply
// as on a first run; what was recorded before stays (INSERT OR IGNORE).
void CommitLinker::catch_up() {
  if (upto_ >= max_id_) return;
  std::vector<std::string> commits;
  {
    Statement fresh(c_, "SELECT coalesce(p.patch_id, ''), coalesce(p.hash, ''), m.from_email, p.name, p.prefixes "
                        "FROM patch_data p JOIN messages m ON m.id = p.message_id "
                        "WHERE p.message_id > ? AND m.kind = 'patch' "
                        "AND m.msgid NOT IN (SELECT msgid FROM commit_matches)");
    fresh.bind(1, upto_);
    while (fresh.step()) {
      auto more = seen_matching(std::string(fresh.text(0)), std::string(fresh.text(1)),
                                std::string(fresh.text(2)), title_of(fresh.text(3), fresh.text(4)));
      commits.insert(commits.end(), more.begin(), more.end());
    }
  }
  std::unordered_set<std::string> done;
  for (const auto& id : commits) {
    if (!done.insert(id).second) continue;
    seen_info_.bind(1, repo_).bind(2, id);
    if (seen_info_.step()) {
      CommitInfo c{id, std::string(seen_info_.text(0)), std::string(seen_info_.text(1)),
                   std::string(seen_info_.text(2)), std::string(seen_info_.text(3))};
      seen_info_.reset();
      match(c);
    } else {
      seen_info_.reset();
    }
  }
}

void CommitLinker::finish() {
  if (upto_ >= max_id_) return;
  Statement set(c_, "INSERT OR REPLACE INTO link_progress (repo, patches_upto) VALUES (?, ?)");
  set.bind(1, repo_).bind(2, max_id_).run();
}

}  // namespace mlidx::db
