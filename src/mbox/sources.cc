#include "mbox/sources.hh"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "util/subprocess.hh"

namespace mlidx {
namespace fs = std::filesystem;
namespace {

// A public-inbox blob is one mail; anything this large is not one, and
// reading it would take that much memory.
constexpr std::size_t kMaxBlob = std::size_t{256} << 20;

// Unlinked at once: nothing is left behind however the import ends.
Result<int> temp_file(const std::string& name) {
  const char* dir = std::getenv("TMPDIR");
  std::string d = dir && *dir ? dir : "/tmp";
  int fd = ::open(d.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string tmpl = d + "/mlidx-spool-XXXXXX";
  fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return make_error(name, "cannot create a temporary file in " + d + ": " + std::strerror(errno));
  ::unlink(tmpl.c_str());
  return fd;
}

Status write_all(int fd, const char* p, std::size_t n, const std::string& name) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return make_error(name, std::string("cannot write the temporary copy: ") + std::strerror(errno));
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return Ok{};
}

Result<MappedFile> map_temp(int tmp, const std::string& name) {
  auto m = MappedFile::map_fd(tmp, name);
  ::close(tmp);
  return m;
}

}  // namespace

bool is_gzip(std::string_view head) {
  return head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
         static_cast<unsigned char>(head[1]) == 0x8b;
}

Result<MappedFile> inflate_gzip(int fd, const std::string& name) {
  auto tmp = temp_file(name);
  if (!tmp) return tmp.error();
  int in = ::dup(fd);
  gzFile gz = in < 0 ? nullptr : gzdopen(in, "rb");
  if (!gz) {
    if (in >= 0) ::close(in);
    ::close(*tmp);
    return make_error(name, "cannot read gzip data");
  }
  gzbuffer(gz, 1 << 17);
  std::string buf(1 << 18, '\0');
  Status written = Ok{};
  int n = 0;
  while (written && (n = gzread(gz, buf.data(), static_cast<unsigned>(buf.size()))) > 0)
    written = write_all(*tmp, buf.data(), static_cast<std::size_t>(n), name);
  int err = Z_OK;
  std::string why = gzerror(gz, &err);
  if (auto colon = why.find(">: "); why.starts_with("<fd:") && colon != std::string::npos)
    why.erase(0, colon + 3);  // zlib names the descriptor: "<fd:5>: invalid block type"
  int closed = gzclose_r(gz);
  if (!written) {
    ::close(*tmp);
    return written.error();
  }
  // gzclose_r says Z_BUF_ERROR when the data ended inside a member: a
  // download or copy cut short (zlib.h).
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END) || closed != Z_OK) {
    ::close(*tmp);
    if (closed == Z_BUF_ERROR || err == Z_BUF_ERROR)
      return make_error(name, "truncated gzip data (the file ends inside a compressed member); "
                              "nothing was imported");
    return make_error(name, "corrupt gzip data (" + why + "); nothing was imported");
  }
  return map_temp(*tmp, name);
}

Result<MappedFile> spool_stdin() {
  const std::string name = "stdin";
  auto tmp = temp_file(name);
  if (!tmp) return tmp.error();
  std::string buf(1 << 18, '\0');
  while (true) {
    ssize_t r = ::read(STDIN_FILENO, buf.data(), buf.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      ::close(*tmp);
      return make_error(name, std::strerror(errno));
    }
    if (r == 0) break;
    if (auto s = write_all(*tmp, buf.data(), static_cast<std::size_t>(r), name); !s) {
      ::close(*tmp);
      return s.error();
    }
  }
  char head[2] = {};
  if (::pread(*tmp, head, 2, 0) == 2 && is_gzip({head, 2})) {
    ::lseek(*tmp, 0, SEEK_SET);  // gzdopen reads from the descriptor's offset
    auto m = inflate_gzip(*tmp, name);
    ::close(*tmp);
    return m;
  }
  return map_temp(*tmp, name);
}

bool is_maildir(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(fs::path(dir) / "cur", ec) || fs::is_directory(fs::path(dir) / "new", ec);
}

namespace {

// One of a Maildir's cur/ and new/, appended to `out`. Each entry is
// looked up relative to the open directory (fstatat, openat): a full path
// for each, walked by the kernel from the root, took a quarter of the
// listing of a 50k-file folder.
void list_maildir_dir(const std::string& d, std::int64_t open_from_ns, std::vector<MaildirFile>& out,
                      std::vector<Error>& errors) {
  DIR* dir = ::opendir(d.c_str());
  if (!dir) {
    if (errno != ENOENT && errno != ENOTDIR) errors.push_back(make_error(d, std::strerror(errno)));
    return;
  }
  const int dfd = ::dirfd(dir);
  const std::size_t first = out.size();
  while (true) {
    errno = 0;
    const dirent* e = ::readdir(dir);
    if (!e) {
      if (errno) errors.push_back(make_error(d, std::strerror(errno)));
      break;
    }
    const char* name = e->d_name;
    if (name[0] == '.') continue;
    std::string path = d + '/' + name;
    struct stat st {};
    if (::fstatat(dfd, name, &st, 0) != 0) {
      errors.push_back(make_error(path, std::strerror(errno)));
      continue;
    }
    if (!S_ISREG(st.st_mode)) {
      errors.push_back(make_error(path, "not a regular file (a Maildir holds one mail per file)"));
      continue;
    }
    const std::int64_t ctime = std::int64_t{st.st_ctim.tv_sec} * 1000000000 + st.st_ctim.tv_nsec;
    // Opened once here so that an unreadable file to be read stops the
    // import before the database is touched.
    if (ctime >= open_from_ns) {
      int fd = ::openat(dfd, name, O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        errors.push_back(make_error(path, std::strerror(errno)));
        continue;
      }
      ::close(fd);
    }
    out.push_back({std::move(path), ctime});
  }
  ::closedir(dir);
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
}

}  // namespace

std::vector<MaildirFile> list_maildir(const std::string& dir, std::vector<Error>& errors,
                                      std::int64_t open_from_ns) {
  std::vector<MaildirFile> out;
  for (const char* sub : {"cur", "new"})
    list_maildir_dir((fs::path(dir) / sub).string(), open_from_ns, out, errors);
  return out;
}

bool is_git_dir(const std::string& dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / "HEAD", ec) && fs::is_directory(fs::path(dir) / "objects", ec);
}

std::vector<std::string> public_inbox_epochs(const std::string& dir) {
  std::vector<std::pair<long, std::string>> found;
  std::error_code ec;
  fs::path git = fs::path(dir) / "git";
  if (!fs::is_directory(git, ec)) return {};
  for (fs::directory_iterator it(git, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.ends_with(".git") || name.size() == 4 || name.size() > 12) continue;
    std::string num = name.substr(0, name.size() - 4);
    if (!std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    found.emplace_back(std::stol(num), it->path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

bool git_available() {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string_view rest = path;
  while (true) {
    std::size_t colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    std::string exe(dir.empty() ? std::string_view(".") : dir);  // an empty entry is the cwd
    exe.append("/git");
    if (::access(exe.c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) return false;
    rest.remove_prefix(colon + 1);
  }
}

namespace {

// git in its own process group, so that a Ctrl-C at the terminal reaches
// only mlidx, which then stops between messages and closes the pipes.
Result<Child> spawn_git(const std::vector<std::string>& args, bool want_in, bool want_out) {
  SpawnOptions o;
  o.pipe_stdin = want_in;
  o.pipe_stdout = want_out;
  o.own_group = true;
  auto c = Child::start(args, o);
  if (!c) return make_error("git", c.error().why);
  return c;
}

int run_git(const std::vector<std::string>& args) {
  auto c = spawn_git(args, false, false);
  return c ? c->finish() : -1;
}

}  // namespace

// The commits after `since` on a history where each has one parent, the
// shape public-inbox writes: found by reading `git rev-list --parents HEAD`
// newest first up to `since`, and stopping there. One git process instead
// of `merge-base --is-ancestor` and `rev-list since..HEAD`, whose walks
// stop early only while commit times are in order (out of order, both
// walked a 10,500-commit epoch: 38 and 51 ms); and the importer learns how
// many commits are new before reading them (bytes_to_read). Anything else
// (a merge, a walk longer than kMaxWalk) is left to those two commands.
GitWalk walk_back_to(const std::string& git_dir, const std::string& since) {
  // A catch-up longer than this is read as before: git holds its list, and
  // the walk's cost is small beside reading that many mails.
  constexpr std::size_t kMaxWalk = 100000;
  GitWalk w;
  if (since.empty()) return w;
  auto list = spawn_git({"git", "--git-dir=" + git_dir, "rev-list", "--parents", "HEAD"}, false, true);
  if (!list) return w;
  char line[512];
  bool ended = false, linear = true;
  while (true) {
    if (!std::fgets(line, sizeof line, list->out())) {
      ended = true;
      break;
    }
    std::string_view l = line;
    if (!l.ends_with('\n')) break;  // not rev-list's: leave it to the exact method
    l.remove_suffix(1);
    std::size_t sp = l.find(' ');
    std::string_view commit = l.substr(0, sp);
    if (commit == since) {
      w.outcome = GitWalk::Found;
      break;
    }
    // One parent: "commit parent". The root (none) ends the walk anyway.
    bool one_parent = sp != std::string_view::npos && l.find(' ', sp + 1) == std::string_view::npos;
    if (!one_parent && sp != std::string_view::npos) linear = false;
    if (!linear || w.commits.size() == kMaxWalk) break;
    w.commits.emplace_back(commit);
  }
  if (!ended) list->terminate();
  int rc = list->finish();
  // The whole history read, each commit with one parent, and `since` not
  // in it: the history was rewritten.
  if (ended && linear && rc == 0) w.outcome = GitWalk::Rewound;
  if (w.outcome != GitWalk::Found) w.commits.clear();
  return w;
}

// git refuses some repositories it can see (another user's, without
// safe.directory): that is an error, not an empty epoch.
Status check_git_repository(const std::string& git_dir) {
  int rc = run_git({"git", "--git-dir=" + git_dir, "rev-parse", "--git-dir"});
  if (rc == 0) return Ok{};
  return make_error(git_dir, rc < 0 ? "cannot run git"
                                    : "git cannot read this repository (not a git repository, or "
                                      "owned by another user: see git config safe.directory)");
}

Result<std::unique_ptr<GitEpochReader>> GitEpochReader::start(const std::string& git_dir,
                                                              const std::string& since, GitWalk walk) {
  std::unique_ptr<GitEpochReader> r(new GitEpochReader);
  r->dir_ = git_dir;
  const std::string gd = "--git-dir=" + git_dir;
  if (auto s = check_git_repository(git_dir); !s) return s.error();
  // An epoch without a commit yet (a new inbox) has nothing to read.
  if (run_git({"git", gd, "rev-parse", "--verify", "-q", "HEAD^{commit}"}) != 0) {
    r->done_ = true;
    return r;
  }
  if (walk.outcome == GitWalk::Found) {
    r->pending_ = std::move(walk.commits);
  } else {
    std::string range = "HEAD";
    if (walk.outcome == GitWalk::Rewound) {
      r->rewound_ = true;
    } else if (!since.empty()) {
      if (run_git({"git", gd, "merge-base", "--is-ancestor", since, "HEAD"}) == 0)
        range = since + "..HEAD";
      else
        r->rewound_ = true;
    }
    auto list = spawn_git({"git", gd, "rev-list", "--reverse", range}, false, true);
    if (!list) return make_error(git_dir, "cannot run git rev-list: " + list.error().why);
    r->list_ = std::move(*list);
  }
  auto cat = r->start_cat_file();
  if (!cat) return cat.error();
  r->cat_ = std::move(*cat);
  return r;
}

Result<Child> GitEpochReader::start_cat_file() const {
  auto c = spawn_git({"git", "--git-dir=" + dir_, "cat-file", "--batch"}, true, true);
  if (!c) return make_error(dir_, "cannot run git cat-file: " + c.error().why);
  return c;
}

GitEpochReader::~GitEpochReader() {
  // Read to the end: closing cat-file's input ends it. An early end (an
  // error, Ctrl-C) leaves the members' destructors to stop them.
  if (done_) {
    cat_.finish();
    aux_.finish();
  }
}

Result<bool> GitEpochReader::look_up(const std::string& object, std::string& blob, std::size_t& size) {
  if (!aux_.running()) {
    auto cat = start_cat_file();
    if (!cat) return cat.error();
    aux_ = std::move(*cat);
  }
  if (std::fprintf(aux_.in(), "%s\n", object.c_str()) < 0 || std::fflush(aux_.in()) != 0)
    return make_error(dir_, "git cat-file stopped unexpectedly");
  return answer(aux_, blob, size);
}

// One object from cat-file --batch: "<oid> blob <size>\n<bytes>\n", or
// "<name> missing\n". False: there is no such blob.
Result<bool> GitEpochReader::answer(Child& cat, std::string& blob, std::size_t& size_out) {
  char header[512];
  if (!std::fgets(header, sizeof header, cat.out()))
    return make_error(dir_, "git cat-file stopped unexpectedly");
  std::string_view h = header;
  if (!h.ends_with('\n')) return make_error(dir_, "git cat-file: unexpected answer");
  h.remove_suffix(1);
  if (h.ends_with(" missing") || h.ends_with(" ambiguous")) return false;
  std::size_t sp1 = h.find(' '), sp2 = h.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return make_error(dir_, "git cat-file: unexpected answer");
  std::string_view type = h.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t size = std::strtoull(std::string(h.substr(sp2 + 1)).c_str(), nullptr, 10);
  size_out = size;
  bool keep = type == "blob" && size <= kMaxBlob;
  blob.assign(keep ? size : 0, '\0');
  // Read (and drop when not kept) exactly size bytes and the final LF.
  std::size_t left = size + 1;
  char sink[65536];
  std::size_t at = 0;
  while (left > 0) {
    bool into_blob = keep && at < size;
    char* dst = into_blob ? blob.data() + at : sink;
    std::size_t want = into_blob ? size - at : std::min(left, sizeof sink);
    std::size_t got = std::fread(dst, 1, want, cat.out());
    if (got == 0) return make_error(dir_, "git cat-file stopped in the middle of an object");
    at += got;
    left -= got;
  }
  return keep;
}

Result<bool> GitEpochReader::next_commit(std::string& commit) {
  if (!list_.running()) {  // walked back already: pending_ holds them newest first
    if (pending_.empty()) return false;
    commit = std::move(pending_.back());
    pending_.pop_back();
    return true;
  }
  char line[128];
  if (!std::fgets(line, sizeof line, list_.out())) {
    if (auto s = finish(); !s) return s.error();
    return false;
  }
  std::string_view c = line;
  if (c.ends_with('\n')) c.remove_suffix(1);
  commit.assign(c);
  return true;
}

Result<bool> GitEpochReader::next(GitEntry& out) {
  // At most this many questions unanswered: their lines (< 100 bytes each)
  // always fit in the pipe, so writing one never waits for git, which may
  // itself be waiting for its answers to be read.
  constexpr std::size_t kAhead = 64;
  if (done_) return false;
  while (!listed_ && asked_.size() < kAhead) {
    std::string c;
    auto more = next_commit(c);
    if (!more) return more.error();
    if (!*more) {
      listed_ = true;
      break;
    }
    if (std::fprintf(cat_.in(), "%s:m\n", c.c_str()) < 0)
      return make_error(dir_, "git cat-file stopped unexpectedly");
    asked_.push_back(std::move(c));
  }
  if (std::fflush(cat_.in()) != 0) return make_error(dir_, "git cat-file stopped unexpectedly");
  if (asked_.empty()) {
    done_ = true;
    return false;
  }
  out.commit = std::move(asked_.front());
  asked_.pop_front();
  out.kind = GitEntry::Other;
  out.size = 0;
  auto m = answer(cat_, out.blob, out.size);
  if (!m) return m.error();
  if (*m) {
    out.kind = GitEntry::Mail;
    return true;
  }
  if (out.size > kMaxBlob) {
    out.kind = GitEntry::TooLarge;
    return true;
  }
  auto d = look_up(out.commit + ":d", out.blob, out.size);
  if (!d) return d.error();
  // Without `d`, a commit that only deletes `m` (git rm) removes its
  // parent's mail.
  if (!*d) d = look_up(out.commit + "^:m", out.blob, out.size);
  if (!d) return d.error();
  if (*d) out.kind = GitEntry::Removal;
  return true;
}

Status GitEpochReader::finish() {
  int rc = list_.finish();
  if (rc != 0) return make_error(dir_, "git rev-list failed (exit status " + std::to_string(rc) + ")");
  return Ok{};
}

}  // namespace mlidx
