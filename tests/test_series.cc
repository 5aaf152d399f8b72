// Patchwork's series grouping and classification, on hand-made mails.
#include <doctest/doctest.h>

#include "series/series.hh"

using namespace mlidx;

namespace {
SeriesMail patch(std::int64_t id, std::string msgid, int number, int total, std::int64_t date,
                 std::vector<std::string> refs = {}, int version = 1, std::string who = "a@x") {
  SeriesMail m;
  m.id = id;
  m.msgid = std::move(msgid);
  m.date = date;
  m.has_date = true;
  m.submitter = std::move(who);
  m.is_patch = true;
  m.number = number;
  m.total = total;
  m.version = version;
  m.name = "[" + std::to_string(number) + "/" + std::to_string(total) + "] p";
  m.refs = std::move(refs);
  return m;
}
SeriesMail cover(std::int64_t id, std::string msgid, int total, std::int64_t date,
                 std::vector<std::string> refs = {}) {
  SeriesMail m = patch(id, std::move(msgid), 0, total, date, std::move(refs));
  m.is_patch = false;
  m.name = "[0/" + std::to_string(total) + "] the series";
  m.title = "the series";
  return m;
}
SeriesMail reply(std::int64_t id, std::string msgid, std::vector<std::string> refs) {
  SeriesMail m;
  m.id = id;
  m.msgid = std::move(msgid);
  m.is_reply = true;
  m.refs = std::move(refs);
  m.submitter = "r@x";
  return m;
}
}  // namespace

TEST_CASE("series: a threaded series with its cover letter") {
  auto r = compute_series({cover(1, "c", 2, 0), patch(2, "p1", 1, 2, 1, {"c"}),
                           patch(3, "p2", 2, 2, 2, {"c"})});
  REQUIRE(r.series.size() == 1);
  CHECK(r.text(r.series[0].name) == "the series");  // from the cover, prefix dropped
  CHECK(r.series[0].received == 2);
  CHECK(r.series[0].cover_id == 1);
  CHECK(r.mails[0].kind == MailKind::Cover);
  CHECK(r.mails[2].number == 2);
  CHECK(r.mails[2].series_id == 1);
}

TEST_CASE("series: patches that arrive before their cover letter still join it") {
  auto r = compute_series({patch(1, "p1", 1, 2, 1, {"c"}), patch(2, "p2", 2, 2, 2, {"c"}),
                           cover(3, "c", 2, 0)});
  REQUIRE(r.series.size() == 1);
  CHECK(r.text(r.series[0].name) == "the series");  // upgraded from patch 1's name
  CHECK(r.mails[2].series_id == 1);
}

TEST_CASE("series: unthreaded patches group by submitter, version and total within 20 minutes") {
  auto r = compute_series({patch(1, "a1", 1, 2, 0), patch(2, "a2", 2, 2, 60),
                           patch(3, "b1", 1, 2, 3600)});  // an hour later: another series
  REQUIRE(r.series.size() == 2);
  CHECK(r.mails[1].series_id == 1);
  CHECK(r.mails[2].series_id == 2);
  CHECK(r.text(r.series[0].name) == "[1/2] p");  // from patch 1, prefix kept
}

TEST_CASE("series: a number already taken starts a new series") {
  auto r = compute_series({patch(1, "a1", 1, 2, 0), patch(2, "b1", 1, 2, 10)});
  CHECK(r.series.size() == 2);
}

TEST_CASE("series: of two open series by one sender, the newest takes a patch; on the same date the first") {
  // Both series of "[x/2]" patches lack patch 2: Patchwork gives it to the
  // one with the latest date, the first created when the dates are equal.
  auto later = compute_series({patch(1, "a1", 1, 2, 0), patch(2, "b1", 1, 2, 60), patch(3, "x2", 2, 2, 120)});
  REQUIRE(later.series.size() == 2);
  CHECK(later.mails[2].series_id == 2);
  auto same = compute_series({patch(1, "a1", 1, 2, 0), patch(2, "b1", 1, 2, 0), patch(3, "x2", 2, 2, 0),
                              patch(4, "y2", 2, 2, 0)});
  REQUIRE(same.series.size() == 2);
  CHECK(same.mails[2].series_id == 1);
  CHECK(same.mails[3].series_id == 2);  // series 1 has its patch 2 now
}

TEST_CASE("series: an unnumbered patch is patch 1 of a series of one") {
  SeriesMail m = patch(1, "solo", -1, 0, 0);
  auto r = compute_series({m});
  REQUIRE(r.series.size() == 1);
  CHECK(r.series[0].total == 1);
  CHECK(r.mails[0].number == 1);
}

TEST_CASE("series: replies become comments on the patch, replies to replies too") {
  auto r = compute_series({patch(1, "p", -1, 0, 0), reply(2, "r1", {"p"}), reply(3, "r2", {"r1"}),
                           reply(4, "lost", {"elsewhere"})});
  CHECK(r.mails[1].kind == MailKind::Comment);
  CHECK(r.mails[1].patch_id() == 1);
  CHECK(r.mails[2].patch_id() == 1);  // lands on the root patch
  CHECK(r.mails[3].kind == MailKind::Message);
}

TEST_CASE("series: a reply that arrives before its patch is still a comment (better than Patchwork)") {
  auto r = compute_series({reply(1, "early", {"p"}), patch(2, "p", -1, 0, 0)});
  CHECK(r.mails[0].kind == MailKind::Comment);
  CHECK(r.mails[0].patch_id() == 2);
}

TEST_CASE("series: a patch is preferred over a cover letter as a comment's parent") {
  auto r = compute_series({cover(1, "c", 1, 0), patch(2, "p", 1, 1, 1, {"c"}),
                           reply(3, "r", {"c", "p"})});
  CHECK(r.mails[2].patch_id() == 2);
  CHECK(r.mails[2].cover_id() == 0);
}

TEST_CASE("series: ignored and empty mails are plain messages") {
  SeriesMail ignored = patch(1, "p", -1, 0, 0);
  ignored.ignored = true;
  auto r = compute_series({ignored});
  CHECK(r.mails[0].kind == MailKind::Message);
  CHECK(r.series.empty());
}

TEST_CASE("series: versions are linked by submitter and name, prefixes and vN dropped") {
  SeriesResult r;
  auto add = [&](std::string name, int version, std::string who, std::string patch1 = "") {
    SeriesResult::Series s;
    s.id = static_cast<std::int64_t>(r.series.size()) + 1;
    s.name = r.texts.intern(name);
    s.version = version;
    s.submitter = r.texts.intern(who);
    if (!patch1.empty()) s.patch1_name = r.texts.intern(patch1);
    r.series.push_back(s);
  };
  add("mm: fix the thing", 1, "a@x");
  add("[v2,1/3] mm: fix the thing", 2, "a@x");            // named from its patch 1
  add("other work (v3)", 3, "a@x", "[v3,1/2] mm: fix the thing");
  add("mm: fix the thing", 2, "someone-else@x");          // another author: no link
  add("MM:  Fix the thing v4", 4, "a@x");
  link_versions(r);
  CHECK(r.series[0].previous_id == 0);
  CHECK(r.series[1].previous_id == 1);
  CHECK(r.series[2].previous_id == 2);  // via its patch 1's name
  CHECK(r.series[3].previous_id == 0);
  CHECK(r.series[4].previous_id == 3);  // the highest lower version wins
  CHECK(r.series[0].superseded);
  CHECK(r.series[2].superseded);
  CHECK_FALSE(r.series[4].superseded);
}

TEST_CASE("series: of two earlier series of the same version, the later is the one superseded") {
  SeriesResult r;
  for (int version : {1, 1, 2}) {
    SeriesResult::Series s;
    s.id = static_cast<std::int64_t>(r.series.size()) + 1;
    s.name = r.texts.intern("[PATCH] mm: fix the thing");
    s.patch1_name = s.name;  // one key, counted once
    s.version = version;
    s.submitter = r.texts.intern("a@x");
    r.series.push_back(s);
  }
  link_versions(r);
  CHECK(r.series[1].previous_id == 0);  // same version: not a version of the first
  CHECK(r.series[2].previous_id == 2);
  CHECK_FALSE(r.series[0].superseded);
  CHECK(r.series[1].superseded);
}
