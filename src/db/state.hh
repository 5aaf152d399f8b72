// Patch state offline (schema/0003_state.sql): what a human decided, which
// commit carries a patch, and the commits already read. All three are
// permanent and keyed by the patch's Message-ID, so a reindex (which
// renumbers nothing it need not, but may) keeps them by copying.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
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
  struct Outcome {
    MatchKind kind = MatchKind::None;
    std::int64_t recorded = 0;   // patches newly given this commit
    std::int64_t overruled = 0;  // of those, ones a human decision keeps in its state
  };
  // Matches one commit and marks it seen.
  Outcome link(const CommitInfo& commit);

 private:
  struct Candidate {
    std::string msgid;
    bool superseded;
  };
  std::vector<Candidate> by_key(Statement& st, const std::string& key);
  std::vector<Candidate> by_subject(const CommitInfo& commit);
  std::int64_t record(const std::vector<Candidate>& cands, const CommitInfo& commit, MatchKind kind,
                      std::int64_t& overruled);

  std::string repo_, now_;
  Statement seen_, by_patch_id_, by_hash_, by_author_, insert_match_, insert_seen_, decided_;
};

}  // namespace mlidx::db
