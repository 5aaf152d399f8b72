// The two real Patchwork records in ../shared/seeds/, rebuilt from the raw
// mails of seeds.mbox: the bar for the model.
#include <doctest/doctest.h>

#include "support.hh"

using namespace mlidx::test;

namespace {
struct Seeds {
  TempDir t;
  fs::path db = t / "seeds.db";
  std::map<std::string, std::string> patch, cover;
  Run run;
  Seeds() {
    fs::path dir = shared_dir() / "seeds";
    patch = json_fields(read_file(dir / "patch-2216640.json"));
    cover = json_fields(read_file(dir / "cover-808432.json"));
    run = run_mlidx({"import", (dir / "seeds.mbox").string(), "--db", db.string()});
  }
  // One value, whole: query1() would stop at the first line end.
  std::string patch_col(const std::string& col) { return query(db, "SELECT " + col + " FROM patches"); }
};
}  // namespace

TEST_CASE("seeds: the patch record is rebuilt from its mail" * doctest::skip(skip_without_shared())) {
  Seeds s;
  REQUIRE(s.run.code == 0);
  CHECK("<" + s.patch_col("msgid") + ">" == s.patch["msgid"]);
  CHECK(s.patch_col("name") == "[v3,07/24] mm: thp: retry on split failure in change_pmd_range()");
  CHECK(s.patch_col("name") == s.patch["name"]);
  CHECK(s.patch_col("prefixes") == "[\"v3\",\"07/24\"]");
  CHECK(s.patch_col("version") == "3");
  CHECK(s.patch_col("number") == "7");
  CHECK(s.patch_col("total") == "24");
  CHECK(s.patch_col("hash") == "6b6ce580119d591caee8c7a4d83ddd3076a4c9dc");
  CHECK(s.patch_col("hash") == s.patch["hash"]);
  CHECK(s.patch_col("date") == "2026-03-27T02:08:49");
  CHECK(s.patch_col("date") == s.patch["date"]);
  CHECK(s.patch_col("submitter_email") == "usama.arif@linux.dev");
  CHECK(s.patch_col("pull_url").empty());
  CHECK(s.patch_col("content") == s.patch["content"]);
  CHECK(s.patch_col("diff") == s.patch["diff"]);
  CHECK(query1(s.db, "SELECT kind FROM messages WHERE msgid LIKE '%usama.arif%'") == "patch");
}

TEST_CASE("seeds: the cover letter and its series" * doctest::skip(skip_without_shared())) {
  Seeds s;
  REQUIRE(s.run.code == 0);
  CHECK(query1(s.db, "SELECT name FROM covers") == "[00/13] mmu_notifier kill invalidate_page callback v2");
  CHECK(query1(s.db, "SELECT name FROM covers") == s.cover["name"]);
  CHECK(query(s.db, "SELECT content FROM covers") == s.cover["content"]);
  CHECK(query1(s.db, "SELECT s.name FROM series s JOIN covers c ON c.series_id = s.id") ==
        "mmu_notifier kill invalidate_page callback v2");
  CHECK(query1(s.db, "SELECT s.version || ' ' || s.total FROM series s JOIN covers c ON c.series_id = s.id") ==
        "1 13");
  CHECK(query1(s.db, "SELECT kind FROM messages WHERE msgid LIKE '%jglisse%'") == "cover");
}
