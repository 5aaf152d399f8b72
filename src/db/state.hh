// Patch state offline (schema/0005_state.sql): what a human decided, which
// commit carries a patch, and the commits already read. All three are
// permanent and keyed by the patch's Message-ID, so a reindex (which
// renumbers nothing it need not, but may) keeps them by copying.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "db/sqlite.hh"
#include "util/result.hh"

namespace mlidx::db {

// The state names of the `states` relation, in Patchwork's order.
std::vector<std::string> state_names(Connection& c);

// Records a human decision on the patch with this msgid (replacing an
// earlier one); `now` is the UTC time written as decided.
void set_decision(Connection& c, const std::string& msgid, const std::string& state,
                  const std::string& reason, bool archived, const std::string& now);
// Forgets it: the automatic rules decide again. False if there was none.
bool clear_decision(Connection& c, const std::string& msgid);

// Copies state_decisions, commit_matches and seen_commits (reindex).
void copy_permanent_state(Connection& from, Connection& to);

// A commit as link-commits reads it from git.
struct CommitInfo {
  std::string id;            // full commit id
  std::string author_email;  // as git has it
  std::string subject;       // git's %s: the first paragraph on one line
  std::string patch_id;      // git_patch_id of its diff, empty if none
  std::string hash;          // patchwork_hash of its diff, empty if none
};

enum class MatchKind { None, PatchId, Hash, SubjectAuthor };
const char* match_kind_name(MatchKind k);

// Matches commits to patches (by patch-id, else Patchwork hash, else
// subject and author) and records them; one instance per run, inside the
// caller's transaction.
class CommitLinker {
 public:
  CommitLinker(Connection& c, std::string repo, std::string now);
  // Commits of this repository read by an earlier run.
  std::unordered_set<std::string> seen();
  // Patches imported since the last run, matched against the commits read
  // before (without git: seen_commits keeps what the rules compare).
  void catch_up();
  // Matches one commit read from git and marks it seen.
  void link(const CommitInfo& commit);
  // Records that every patch stored now has been compared.
  void finish();

  struct Totals {
    std::int64_t accepted = 0;   // patches newly given a commit
    std::int64_t overruled = 0;  // of those, ones a human decision keeps in its state
    std::int64_t by_kind[4] = {};
  };
  const Totals& totals() const { return totals_; }

 private:
  struct Candidate {
    std::string msgid;
    bool superseded;
  };
  void match(const CommitInfo& commit);
  std::vector<Candidate> by_key(Statement& st, const std::string& key);
  std::vector<Candidate> by_subject(const CommitInfo& commit);
  void record(const std::vector<Candidate>& cands, const CommitInfo& commit, MatchKind kind);
  std::vector<std::string> seen_matching(const std::string& patch_id, const std::string& hash,
                                         const std::string& email, std::string_view title);

  Connection& c_;
  std::string repo_, now_;
  Totals totals_;
  std::int64_t upto_ = 0, max_id_ = 0;
  Statement seen_, by_patch_id_, by_hash_, by_author_, insert_match_, insert_seen_, decided_;
  Statement seen_by_patch_id_, seen_by_hash_, seen_by_author_, seen_info_;
};

}  // namespace mlidx::db
