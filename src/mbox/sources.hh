// Inputs other than a plain mbox file: gzip, stdin, Maildir folders and
// public-inbox v2 git epochs. Each ends as bytes an MboxReader splits (a
// mapped temporary file, or one mail at a time), so the parser and the
// store see one kind of input.
#pragma once
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/mapped_file.hh"
#include "util/result.hh"
#include "util/subprocess.hh"

namespace mlidx {

// RFC 1952's magic: what `mlidx import` inflates whatever the file's name.
bool is_gzip(std::string_view head);
// Inflates every gzip member of `fd` into an unlinked temporary file and
// maps it: memory stays bounded whatever the size (the temporary takes the
// inflated size on $TMPDIR's disk). A file cut short is an error.
Result<MappedFile> inflate_gzip(int fd, const std::string& name);
// Standard input (a pipe or a file) copied to an unlinked temporary file and
// mapped; gzip data is inflated.
Result<MappedFile> spool_stdin();

// A directory with cur/ or new/ (Maildir, as written by MDAs: tmp/ holds
// mail still being delivered and is not read).
bool is_maildir(const std::string& dir);
// Its message files, cur/ then new/, each sorted by name (deterministic
// order); entries that cannot be opened are errors, dot-files are skipped.
// With each its ctime (ns since 1970): when its inode last changed. Files
// whose ctime is before `open_from_ns` are not opened: an earlier import
// read them, and this one will not (ImportInput::listed_ns). Opening every
// file was most of a listing: ~2 us a file, 20 ms of a 10k Maildir's
// 0.2 s import of 500 new mails.
struct MaildirFile {
  std::string path;
  std::int64_t ctime_ns = 0;
  auto operator<=>(const MaildirFile&) const = default;
};
std::vector<MaildirFile> list_maildir(const std::string& dir, std::vector<Error>& errors,
                                      std::int64_t open_from_ns = INT64_MIN);

// A bare git repository (HEAD and objects/).
bool is_git_dir(const std::string& dir);
// A public-inbox v2 inbox's epochs INBOX/git/N.git, in numeric order; empty
// when `dir` is not one.
std::vector<std::string> public_inbox_epochs(const std::string& dir);
// `git` on $PATH.
bool git_available();
// git can read `git_dir` as a repository.
Status check_git_repository(const std::string& git_dir);

// The commits after `since` (an earlier import's last), found by walking
// back from HEAD (walk_back_to): public-inbox writes an epoch as one line
// of commits. Unsure: a merge on the way, a walk too long, git failed, no
// `since` - then GitEpochReader asks git for `since..HEAD` itself.
struct GitWalk {
  enum Outcome { Unsure, Found, Rewound } outcome = Unsure;
  std::vector<std::string> commits;  // Found: newest first
};
GitWalk walk_back_to(const std::string& git_dir, const std::string& since);

// One commit of an epoch: public-inbox v2 stores each message as the blob
// `m` of its own commit; a removal commits the removed mail as `d` instead
// (public-inbox-v2-format(5)) - or, written by hand, only deletes `m`.
struct GitEntry {
  // TooLarge: `m` is over 256 MiB, no mail; skipped (blob left empty).
  enum Kind { Mail, Removal, TooLarge, Other } kind = Other;
  std::string commit;
  std::string blob;  // Mail: the message; Removal: the removed message
  std::size_t size = 0;  // of the blob, also when TooLarge
};

// Reads an epoch's commits oldest first: after an earlier import, those
// found walking back from HEAD to its last commit; else (a first import, a
// merge on the way) `git rev-list --reverse` names them. One `git cat-file
// --batch` process serves every mail, asked a few commits ahead; a second
// one, started at the first commit with no `m`, looks up removals.
class GitEpochReader {
 public:
  // `since`: the last commit read by an earlier import; only its
  // descendants are read, unless the history was rewritten (a purge), when
  // every commit is read again (`rewound()`).
  // `walk`: walk_back_to(git_dir, since), done ahead (the importer sizes
  // the import by it).
  static Result<std::unique_ptr<GitEpochReader>> start(const std::string& git_dir,
                                                       const std::string& since, GitWalk walk = {});
  ~GitEpochReader();
  // The next commit, false at the end; an error when git fails.
  Result<bool> next(GitEntry& out);
  bool rewound() const { return rewound_; }

 private:
  GitEpochReader() = default;
  Result<Child> start_cat_file() const;  // `git cat-file --batch`
  // One answer of `cat`: the blob (false: none, or over kMaxBlob).
  Result<bool> answer(Child& cat, std::string& blob, std::size_t& size);
  // A question and its answer, on the second process (removals).
  Result<bool> look_up(const std::string& object, std::string& blob, std::size_t& size);
  // The next commit to ask about, false when none is left.
  Result<bool> next_commit(std::string& commit);
  Status finish();

  std::string dir_;
  Child list_;  // rev-list, or none:
  std::vector<std::string> pending_;  // the commits to read, newest first
  Child cat_, aux_;
  // Commits whose `m` cat_ was asked for and has not answered yet: asking
  // ahead lets git find the next blobs while this one is parsed (10,500
  // commits: git alone 0.67 s; one question at a time 1.2 s).
  std::deque<std::string> asked_;
  bool listed_ = false;  // every commit asked about
  bool rewound_ = false, done_ = false;
};

}  // namespace mlidx
