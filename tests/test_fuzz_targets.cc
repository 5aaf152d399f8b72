// The libFuzzer targets of fuzz/ run over real mail in every test run: their
// invariants (fuzz/check.hh) are the parsers' documented guarantees, and
// without this they were only compiled by `./dev fuzz` (clang), so a change
// could break them unseen (d09b1ac made patchwork_clean_content return a
// view; fuzz_diff.cc still took a std::string and no longer compiled).
#include <doctest/doctest.h>

#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "support.hh"

#define MLIDX_FUZZ_REPLAY
#include "../fuzz/check.hh"

extern "C" {
int mlidx_fuzz_mbox(const std::uint8_t* p, std::size_t n);
int mlidx_fuzz_header(const std::uint8_t* p, std::size_t n);
int mlidx_fuzz_mime(const std::uint8_t* p, std::size_t n);
int mlidx_fuzz_subject(const std::uint8_t* p, std::size_t n);
int mlidx_fuzz_diff(const std::uint8_t* p, std::size_t n);
}

using namespace mlidx::test;

namespace {

using Target = int (*)(const std::uint8_t*, std::size_t);

void feed(Target t, std::string_view input, const std::string& what) {
  INFO(what);
  CHECK_NOTHROW(t(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()));
}

// The mails of an mbox, separator lines dropped: the seeds ./dev fuzz gives
// the header, MIME and diff targets.
std::vector<std::string_view> mails_of(std::string_view mbox) {
  std::vector<std::string_view> out;
  std::size_t begin = std::string_view::npos;
  for (std::size_t at = 0; at < mbox.size();) {
    std::size_t end = mbox.find('\n', at);
    end = end == std::string_view::npos ? mbox.size() : end + 1;
    if (mbox.substr(at).starts_with("From ")) {
      if (begin != std::string_view::npos) out.push_back(mbox.substr(begin, at - begin));
      begin = end;
    } else if (begin == std::string_view::npos) {
      begin = at;
    }
    at = end;
  }
  if (begin != std::string_view::npos && begin < mbox.size()) out.push_back(mbox.substr(begin));
  return out;
}

// Subject values as the subject target's seeds: the folded line, then with
// a NUL and the List-Id's short name.
std::vector<std::string> subjects_of(std::string_view mail) {
  std::string head(mail.substr(0, mail.find("\n\n")));
  head = std::regex_replace(head, std::regex("\r?\n[ \t]"), " ");
  std::vector<std::string> out;
  std::smatch m;
  if (!std::regex_search(head, m, std::regex("(^|\n)[Ss]ubject:[ \t]*([^\r\n]*)"))) return out;
  out.push_back(m[2]);
  std::smatch l;
  if (std::regex_search(head, l, std::regex("(^|\n)[Ll]ist-[Ii]d:[^<\n]*<([^.>\n]*)")))
    out.push_back(std::string(m[2]) + '\0' + std::string(l[2]));
  return out;
}

// Every target over one mbox file; returns the number of mails fed.
std::size_t run_targets(const fs::path& file, std::size_t max_mails = SIZE_MAX) {
  const std::string data = read_file(file);
  const std::vector<std::string_view> mails = mails_of(data);
  std::size_t n = std::min(mails.size(), max_mails);
  // The mbox target gets the whole file (./dev fuzz cuts seeds at 64 KiB;
  // the targets must hold on any size).
  std::string_view whole = n == mails.size() ? std::string_view(data)
                                              : std::string_view(data).substr(0, mails[n].data() - data.data());
  feed(mlidx_fuzz_mbox, whole, file.string());
  for (std::size_t i = 0; i < n; ++i) {
    std::string what = file.string() + ", mail " + std::to_string(i + 1);
    feed(mlidx_fuzz_header, mails[i], what);
    feed(mlidx_fuzz_mime, mails[i], what);
    feed(mlidx_fuzz_diff, mails[i], what);
    for (const std::string& s : subjects_of(mails[i])) feed(mlidx_fuzz_subject, s, what + ", subject");
  }
  return n;
}

}  // namespace

TEST_CASE("fuzz targets: their invariants hold on every mail of data/") {
  std::size_t mails = 0, separators = 0;
  for (const auto& e : fs::directory_iterator(fs::path(MLIDX_SOURCE_DIR) / "data")) {
    if (e.path().extension() != ".mbox") continue;
    mails += run_targets(e.path());
    std::string data = "\n" + read_file(e.path());
    for (std::size_t at = data.find("\nFrom "); at != std::string::npos; at = data.find("\nFrom ", at + 1))
      ++separators;
  }
  CHECK(mails > 0);
  CHECK(mails == separators);
}

TEST_CASE("fuzz targets: their invariants hold on Patchwork's test mails and 1,000 corpus mails" *
          doctest::skip(skip_without_shared())) {
  std::size_t mails = 0;
  for (const char* dir : {"mail", "series", "fuzz"})
    for (const auto& e : fs::directory_iterator(shared_dir() / "testdata" / "patchwork" / dir))
      mails += run_targets(e.path());
  CHECK(mails > 100);
  fs::path corpus = corpus_10k();
  REQUIRE_FALSE(corpus.empty());
  CHECK(run_targets(corpus, 1000) == 1000);
}

// A failed invariant must fail the cases above, not pass unseen or kill the
// runner: the targets were built with MLIDX_FUZZ_REPLAY, where it throws.
TEST_CASE("fuzz targets: a failed invariant throws in the replay build") {
  CHECK_THROWS_WITH_AS(FUZZ_CHECK(1 + 1 == 3), doctest::Contains("invariant failed: 1 + 1 == 3"),
                       std::runtime_error);
  CHECK_NOTHROW(FUZZ_CHECK(1 + 1 == 2));
}

TEST_CASE("fuzz targets: the seeds are split as ./dev fuzz splits them") {
  std::string mbox = "From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nx\n"
                     "From a@b Mon Jan  1 00:00:00 2024\nSubject: two\n\ny\n";
  auto mails = mails_of(mbox);
  REQUIRE(mails.size() == 2);
  CHECK(mails[0] == "Subject: one\n\nx\n");
  CHECK(mails[1] == "Subject: two\n\ny\n");
  auto subjects = subjects_of("Subject: a\n b\nList-Id: <linuxppc-dev.lists.ozlabs.org>\n\nbody");
  REQUIRE(subjects.size() == 2);
  CHECK(subjects[0] == "a b");
  CHECK(subjects[1] == std::string("a b\0linuxppc-dev", 16));
}
