// mlidx series: the list and one series over data/ (pinned in
// tests/golden/series_*), each list filter, a series with a patch missing,
// and the bad-input paths. After a deliberate change:
// MLIDX_UPDATE_GOLDEN=1 build/tests/mlidx_tests -tc='series cmd*', then
// review the diff of the golden files.
#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>

#include "support.hh"

using namespace mlidx::test;

namespace {

// Patches 1 and 3 of a v1 series of 3 by another submitter, 2 never sent.
std::string widget_patch(int n) {
  std::string num = std::to_string(n);
  return "From x Thu Jan  1 00:00:00 1970\nFrom: Tess Ter <tess@example.com>\n"
         "Subject: [PATCH " + num + "/3] widget: part " + num + "\n"
         "Date: Mon, 1 Dec 2025 10:0" + num + ":00 +0000\nMessage-ID: <widget-" + num + "@example.com>\n" +
         (n > 1 ? "In-Reply-To: <widget-1@example.com>\n" : "") +
         "\nPart " + num + ".\n\nSigned-off-by: Tess Ter <tess@example.com>\n---\n"
         " widget.c | 1 +\n 1 file changed, 1 insertion(+)\n\n"
         "diff --git a/widget.c b/widget.c\nindex 1111111..2222222 100644\n--- a/widget.c\n+++ b/widget.c\n"
         "@@ -1 +1,2 @@\n int a;\n+int b" + num + ";\n\n";
}

struct Sample {
  TempDir t;
  std::string db = (t / "sample.db").string();
  explicit Sample(bool with_widget = false) {
    fs::path data = fs::path(MLIDX_SOURCE_DIR) / "data";
    std::vector<std::string> args = {"import", (data / "series.mbox").string(), (data / "replies.mbox").string()};
    if (with_widget) {
      write_file(t / "widget.mbox", widget_patch(1) + widget_patch(3));
      args.push_back((t / "widget.mbox").string());
    }
    args.insert(args.end(), {"--db", db});
    REQUIRE(run_mlidx(args).code == 0);
  }
  Run series(std::vector<std::string> args) const {
    args.insert(args.begin(), {"series", "--db", db});
    return run_mlidx(args);
  }
  // The ids the list shows, in its order.
  std::string ids(const std::vector<std::string>& args) const {
    Run r = series(args);
    CHECK(r.code == 0);
    std::istringstream in(r.out);
    std::string line, out;
    std::getline(in, line);  // the heading
    while (std::getline(in, line)) out += (out.empty() ? "" : " ") + line.substr(0, line.find(' '));
    return out;
  }
};

void check_golden(const std::string& name, const std::string& got) {
  fs::path golden = fs::path(MLIDX_SOURCE_DIR) / "tests" / "golden" / name;
  if (const char* u = std::getenv("MLIDX_UPDATE_GOLDEN"); u && *u == '1') write_file(golden, got);
  CHECK(got == read_file(golden));
}

}  // namespace

TEST_CASE("series cmd: golden list of data/, text and --json") {
  Sample s;
  Run text = s.series({});
  CHECK(text.code == 0);
  check_golden("series_list.txt", text.out);
  Run json = s.series({"--json"});
  CHECK(json.code == 0);
  check_golden("series_list.json", json.out);
}

TEST_CASE("series cmd: golden view of each series of data/, text and --json") {
  Sample s;
  std::string text, json;
  for (const std::string id : {"1", "2"}) {
    Run r = s.series({id});
    CHECK(r.code == 0);
    text += "$ mlidx series " + id + "\n" + r.out;
    r = s.series({id, "--json"});
    CHECK(r.code == 0);
    auto top = json_fields(r.out);  // throws on malformed JSON
    CHECK(top["id"] == id);
    json += r.out;
  }
  check_golden("series_show.txt", text);
  check_golden("series_show.json", json);
}

TEST_CASE("series cmd: one series shows trailers, comments and its versions") {
  Sample s;
  Run v1 = s.series({"1"});
  REQUIRE(v1.code == 0);
  // A trailer from a reply to patch 2, and both replies as comments.
  CHECK(v1.out.find("Reviewed-by: Jörg Müller <joerg@example.org>  (from <87review.fsf@example.org>)") !=
        std::string::npos);
  CHECK(v1.out.find("\n  7  2026-11-22 04:10  Jörg Müller") != std::string::npos);
  CHECK(v1.out.find("\n  8  2026-11-22 04:20") != std::string::npos);
  CHECK(v1.out.find("* v1  series 1  2026-11-22 03:42  2/2  superseded\n  v2  series 2") != std::string::npos);
  Run v2 = s.series({"2"});
  // The ack on the v2 cover letter, inherited by both patches.
  CHECK(v2.out.find("cover:     4  [PATCH v2 0/2] docs: schema reference and README") != std::string::npos);
  std::string inherited = "Acked-by: Zoë Ávila <zoe@example.net>  (inherited from <ack-v2@example.net>)";
  CHECK(v2.out.find(inherited) != v2.out.rfind(inherited));
  CHECK(v2.out.find("version:   v2 (current)") != std::string::npos);
  CHECK(v2.out.find("* v2  series 2  2026-11-22 03:42  2/2  current") != std::string::npos);
}

TEST_CASE("series cmd: each filter of the list") {
  Sample s(true);
  CHECK(s.ids({}) == "2 1 3");  // newest first
  CHECK(s.ids({"--incomplete"}) == "3");
  CHECK(s.ids({"--version", "2"}) == "2");
  CHECK(s.ids({"--version=1"}) == "1 3");
  CHECK(s.ids({"--version", "7"}) == "");
  CHECK(s.ids({"--name", "SCHEMA reference"}) == "2 1");  // case does not matter
  CHECK(s.ids({"--name", "widget"}) == "3");
  CHECK(s.ids({"--name", "100%"}) == "");  // no LIKE wildcards
  CHECK(s.ids({"--submitter", "tess@example.com"}) == "3");
  CHECK(s.ids({"--since", "2026-01-01"}) == "2 1");
  CHECK(s.ids({"--until", "2025-12-01"}) == "3");  // the whole day
  CHECK(s.ids({"--until", "2025-12-01T10:00:59"}) == "");
  CHECK(s.ids({"--since", "2026-11-22 03:42:38", "--until", "2026-11-22"}) == "2");
  CHECK(s.ids({"--name", "schema", "--version", "1", "--incomplete"}) == "");
  Run j = s.series({"--incomplete", "--json"});
  CHECK(j.out.find("\"id\": 3, ") != std::string::npos);
  CHECK(j.out.find("\"id\": 2, ") == std::string::npos);
}

TEST_CASE("series cmd: a patch never received is listed in its place") {
  Sample s(true);
  Run r = s.series({"3"});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("patches:   2/3 received\n") != std::string::npos);
  std::size_t one = r.out.find("\n  1/3  13  new  [1/3] widget: part 1\n");
  std::size_t two = r.out.find("\n  2/3  [not received]\n");
  std::size_t three = r.out.find("\n  3/3  14  new  [3/3] widget: part 3\n");
  CHECK(one < two);
  CHECK(two < three);
  CHECK(three != std::string::npos);
  CHECK(r.out.find("tess@example.com") != std::string::npos);
  CHECK(r.out.find("cover:     -\n") != std::string::npos);
  CHECK(r.out.find("comments:\n  none\n") != std::string::npos);
  Run j = s.series({"3", "--json"});
  CHECK(j.out.find("\"cover\": null") != std::string::npos);
  CHECK(json_fields(j.out)["received"] == "2");
}

TEST_CASE("series cmd: bad input gives a clear message and a non-zero exit") {
  Sample s;
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string err;
  };
  const Case cases[] = {
      {{"99"}, 1, "mlidx: series: no series with id 99\n"},
      {{"abc"}, 2, "mlidx: series: 'abc' is not a series id (a number)\n"},
      {{"1", "2"}, 2, "mlidx: series: unexpected argument '2' (see 'mlidx series --help')\n"},
      {{"--since", "yesterday"}, 2,
       "mlidx: series: --since: bad date 'yesterday' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)\n"},
      {{"--until", "2025-02-29"}, 2,
       "mlidx: series: --until: bad date '2025-02-29' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)\n"},
      {{"--since", "2025-01-01T24:00:00"}, 2,
       "mlidx: series: --since: bad date '2025-01-01T24:00:00' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)\n"},
      {{"--version", "two"}, 2, "mlidx: series: --version: 'two' is not a version number\n"},
      {{"--version", "0"}, 2, "mlidx: series: --version: '0' is not a version number\n"},
      {{"--version"}, 2, "mlidx: --version: needs a value\n"},
      {{"--newest"}, 2, "mlidx: --newest: unknown option (see 'mlidx --help')\n"},
      {{"1", "--incomplete"}, 2, "mlidx: series: --incomplete filters the list, not one series\n"},
      {{"1", "--name", "x"}, 2, "mlidx: series: --name filters the list, not one series\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.err);
    Run r = s.series(c.args);
    CHECK(r.code == c.code);
    CHECK(r.err == c.err);
    CHECK(r.out == "");
  }
  // A leap day is a date.
  CHECK(s.series({"--until", "2024-02-29"}).code == 0);
  TempDir t;
  Run r = run_mlidx({"series", "--db", (t / "none.db").string()});
  CHECK(r.code == 1);
  CHECK_FALSE(fs::exists(t / "none.db"));
}
