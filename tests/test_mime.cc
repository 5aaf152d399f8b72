// MIME structure, transfer decoding and the gates that keep mimetic away from
// input it handles badly. HeaderBlocks are built by hand so these tests do
// not depend on the header splitter.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support.hh"
#include "mail/mime.hh"

using namespace mlidx;
using mlidx::test::kHangSeconds;

namespace {

// Owns the bytes a HeaderBlock points into.
struct Msg {
  std::vector<std::pair<std::string, std::string>> raw;
  std::string body;
  HeaderBlock block() const {
    HeaderBlock h;
    for (const auto& [n, v] : raw) h.fields.push_back({n, v});
    h.body = body;
    return h;
  }
};

std::vector<MimePart> parse(const Msg& m, Problems& p) { return parse_mime(m.block(), p); }

Msg multipart(std::string ct, std::string body) {
  return Msg{{{"Subject", " x"}, {"Content-Type", " " + ct}}, std::move(body)};
}

}  // namespace

TEST_CASE("fast path: quoted-printable iso-8859-1 text") {
  Msg m{{{"Content-Type", " text/plain;\r\n charset=\"ISO-8859-1\""},
         {"Content-Transfer-Encoding", " Quoted-Printable"}},
        "caf=E9 cr=e8me=\r\nbr=FBl=E9e\r\n"};
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].content_type == "text/plain");
  CHECK(parts[0].is_text);
  CHECK(parts[0].text == "café crèmebrûlée\r\n");
  CHECK(parts[0].size == 18);  // decoded bytes, Latin-1
  CHECK(p.empty());
}

TEST_CASE("fast path: base64 text and defaults") {
  // "héllo wörld" in ISO-8859-1.
  Msg m{{{"Content-Type", " TEXT/Plain; charset=iso-8859-1"},
         {"Content-Transfer-Encoding", " base64"}},
        "aOlsbG8gd/Zy\r\nbGQ=\r\n"};
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].text == "héllo wörld");
  CHECK(parts[0].size == 11);

  Msg plain{{{"Subject", " no content-type"}}, "just text\n"};
  auto q = parse(plain, p);
  REQUIRE(q.size() == 1);
  CHECK(q[0].content_type == "text/plain");
  CHECK(q[0].text == "just text\n");
  CHECK(p.empty());
}

TEST_CASE("fast path: unknown encoding and unknown charset are recorded") {
  Msg m{{{"Content-Type", " text/plain; charset=x-klingon"},
         {"Content-Transfer-Encoding", " x-uuencode"}},
        "begin 644 f\n"};
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].text == "begin 644 f\n");  // as-is
  CHECK(p.has("unknown-encoding"));
  CHECK(p.has("unknown-charset"));
}

TEST_CASE("fast path: invalid UTF-8 recorded as bad-charset") {
  Msg m{{{"Content-Type", " text/plain; charset=utf-8"}}, "ok \xff bad"};
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].text == "ok \xEF\xBF\xBD bad");
  CHECK(p.has("bad-charset"));
}

TEST_CASE("multipart/mixed with text and a patch attachment") {
  Msg m = multipart(
      "multipart/mixed;\r\n boundary=\"==b1==\"",
      "This is a MIME message.\r\n"
      "--==b1==\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "\r\n"
      "Please apply.\r\n"
      "--==b1==\r\n"
      "Content-Type: text/x-patch; name=\"ignored.diff\"\r\n"
      "Content-Disposition: attachment; filename=\"fix-crash.patch\"\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      "LS0tIGEvZm9vLmMKKysrIGIvZm9vLmMK\r\n"
      "--==b1==--\r\n"
      "epilogue\r\n");
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].content_type == "text/plain");
  CHECK(parts[0].text == "Please apply.");
  CHECK(parts[1].content_type == "text/x-patch");
  CHECK(parts[1].filename == "fix-crash.patch");
  CHECK(parts[1].disposition == "attachment");
  CHECK(parts[1].size == 24);
  CHECK(parts[1].text == "--- a/foo.c\n+++ b/foo.c\n");
  CHECK(p.empty());
}

TEST_CASE("multipart/alternative keeps both alternatives in order") {
  Msg m = multipart("multipart/alternative; boundary=alt",
                    "--alt\n"
                    "Content-Type: text/plain\n\n"
                    "plain\n"
                    "--alt\n"
                    "Content-Type: text/html; charset=us-ascii\n\n"
                    "<p>html</p>\n"
                    "--alt--\n");
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].content_type == "text/plain");
  CHECK(parts[0].text == "plain");
  CHECK(parts[1].content_type == "text/html");
  CHECK(parts[1].text == "<p>html</p>");
}

TEST_CASE("nested multipart gives leaves in document order") {
  Msg m = multipart("multipart/mixed; boundary=outer",
                    "--outer\n"
                    "Content-Type: multipart/alternative; boundary=inner\n\n"
                    "--inner\n"
                    "Content-Type: text/plain\n\n"
                    "one\n"
                    "--inner\n"
                    "Content-Type: text/html\n\n"
                    "two\n"
                    "--inner--\n"
                    "--outer\n"
                    "Content-Type: image/png; name=pic.png\n"
                    "Content-Transfer-Encoding: base64\n\n"
                    "iVBORw==\n"
                    "--outer--\n");
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].text == "one");
  CHECK(parts[1].content_type == "text/html");
  CHECK(parts[2].content_type == "image/png");
  CHECK(parts[2].filename == "pic.png");
  CHECK(parts[2].size == 4);  // "\x89PNG"
  CHECK_FALSE(parts[2].is_text);
  CHECK(parts[2].text.empty());
  CHECK(p.empty());
}

TEST_CASE("digest parts default to message/rfc822; embedded messages are leaves") {
  Msg m = multipart("multipart/digest; boundary=d",
                    "--d\n\n"
                    "From: a@example.org\nSubject: one\n\nbody one\n"
                    "--d\n"
                    "Content-Type: text/plain\n\n"
                    "a text part\n"
                    "--d--\n");
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].content_type == "message/rfc822");
  CHECK(parts[0].size > 0);
  CHECK(parts[1].content_type == "text/plain");

  Msg fwd = multipart("multipart/mixed; boundary=f",
                      "--f\n"
                      "Content-Type: message/rfc822\n\n"
                      "Content-Type: multipart/mixed; boundary=g\n\n"
                      "--g\n\ninner text\n--g--\n"
                      "--f--\n");
  auto q = parse(fwd, p);
  REQUIRE(q.size() == 1);  // not descended into
  CHECK(q[0].content_type == "message/rfc822");
  CHECK(q[0].size > 0);
}

TEST_CASE("RFC 2231 and RFC 2047 filenames") {
  Msg m = multipart("multipart/mixed; boundary=b",
                    "--b\n"
                    "Content-Type: application/octet-stream\n"
                    "Content-Disposition: attachment;\n"
                    " filename*=iso-8859-1'fr'r%E9sum%E9%20final.pdf\n\n"
                    "x\n"
                    "--b\n"
                    "Content-Type: application/octet-stream\n"
                    "Content-Disposition: attachment;\n"
                    " filename*0*=utf-8''%C3%BC;\n"
                    " filename*1=\"ber-long\";\n"
                    " filename*2=\".txt\"\n\n"
                    "y\n"
                    "--b\n"
                    "Content-Type: application/pdf; name=\"=?UTF-8?B?w6l0w6kucGRm?=\"\n\n"
                    "z\n"
                    "--b--\n");
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].filename == "résumé final.pdf");
  CHECK(parts[1].filename == "über-long.txt");
  CHECK(parts[2].filename == "été.pdf");
  CHECK(parts[2].disposition.empty());
}

TEST_CASE("decode_base64: garbage bytes, padding, missing padding") {
  bool garbage = false;
  CHECK(decode_base64("aGVs|bG8=", &garbage) == "hello");
  CHECK(garbage);
  std::string all(256, '\0');
  for (int i = 0; i < 256; ++i) all[i] = static_cast<char>(i);
  garbage = false;
  (void)decode_base64(all + all, &garbage);  // must not read outside its table
  CHECK(garbage);
  garbage = true;
  CHECK(decode_base64("aGVsbG8=\r\n", &garbage) == "hello");
  CHECK_FALSE(garbage);  // line ends are not garbage
  CHECK(decode_base64("aGVsbG8") == "hello");   // padding missing
  CHECK(decode_base64("aGk=\n==\n") == "hi");   // extra padding ignored
  CHECK(decode_base64("") == "");
}

TEST_CASE("base64 garbage inside a part does not crash") {
  Msg m = multipart("multipart/mixed; boundary=b",
                    "--b\n"
                    "Content-Type: text/plain\n"
                    "Content-Transfer-Encoding: base64\n\n"
                    "||||aGVs||bG8=||||\xff\xfe\n"
                    "--b--\n");
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].text == "hello");
}

TEST_CASE("decode_quoted_printable: soft breaks, hex case, invalid escapes") {
  CHECK(decode_quoted_printable("soft=\nbreak") == "softbreak");
  CHECK(decode_quoted_printable("soft=\r\nbreak") == "softbreak");
  CHECK(decode_quoted_printable("soft=  \r\nbreak") == "softbreak");
  CHECK(decode_quoted_printable("=3D=3d=c3=A9") == "==\xc3\xa9");
  CHECK(decode_quoted_printable("a=ZZb=4") == "a=ZZb=4");
  CHECK(decode_quoted_printable("x=") == "x=");
  CHECK(decode_quoted_printable("trail   \nend=20\n") == "trail\nend \n");
}

TEST_CASE("multipart without boundary is one text part and bad-mime") {
  Msg m = multipart("multipart/mixed", "--x\nContent-Type: text/plain\n\nhi\n--x--\n");
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].content_type == "text/plain");
  CHECK(parts[0].text == m.body);
  CHECK(p.has("bad-mime"));
}

TEST_CASE("truncated multipart keeps the parts seen") {
  Msg m = multipart("multipart/mixed; boundary=t",
                    "--t\n"
                    "Content-Type: text/plain\n\n"
                    "first\n"
                    "--t\n"
                    "Content-Type: text/plain\n\n"
                    "second, cut off");
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].text == "first");
  CHECK(parts[1].text == "second, cut off");
  CHECK(p.has("truncated-mime"));

  Problems ok;
  Msg closed = m;
  closed.body += "\n--t--\n";
  CHECK(parse(closed, ok).size() == 2);
  CHECK_FALSE(ok.has("truncated-mime"));
}

TEST_CASE("10,000-deep message/rfc822 nesting trips the gate quickly") {
  std::string body = "--b\n";
  for (int i = 0; i < 10000; ++i) body += "Content-Type: message/rfc822\n\n";
  body += "deep\n--b--\n";
  Msg m = multipart("multipart/mixed; boundary=b", body);
  Problems p;
  auto start = std::chrono::steady_clock::now();
  auto parts = parse(m, p);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start).count();
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].content_type == "text/plain");
  CHECK(parts[0].text == body);
  CHECK(p.has("mime-limit"));
  CHECK(ms < kHangSeconds * 1000);

  // Just past the depth limit: caught by the structural scan, not the count.
  std::string shallow = "--b\n";
  for (std::size_t i = 0; i < kMaxMimeDepth + 2; ++i) shallow += "Content-Type: message/rfc822\n\n";
  shallow += "deep\n--b--\n";
  Problems q;
  CHECK(parse(multipart("multipart/mixed; boundary=b", shallow), q).size() == 1);
  CHECK(q.has("mime-limit"));
}

TEST_CASE("deep multipart nesting trips the gate") {
  std::string body;
  for (int i = 0; i < 100; ++i)
    body += "--b" + std::to_string(i) + "\nContent-Type: multipart/mixed; boundary=b" +
            std::to_string(i + 1) + "\n\n";
  Msg m = multipart("multipart/mixed; boundary=b0", body);
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 1);
  CHECK(p.has("mime-limit"));
}

TEST_CASE("2 MB header field inside a part trips the gate") {
  std::string body = "--b\nContent-Type: text/plain\nX-Huge: ";
  body.append(2u << 20, 'a');
  body += "\n\ntext\n--b--\n";
  Msg m = multipart("multipart/mixed; boundary=b", body);
  Problems p;
  auto start = std::chrono::steady_clock::now();
  auto parts = parse(m, p);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start).count();
  REQUIRE(parts.size() == 1);
  CHECK(p.has("mime-limit"));
  CHECK(parts[0].size == body.size());
  CHECK(ms < kHangSeconds * 1000);

  // A folded field counts as one line.
  std::string folded = "--b\nContent-Type: text/plain\nX-Huge: a\n";
  for (int i = 0; i < 2000; ++i) folded += " " + std::string(60, 'f') + "\n";
  folded += "\ntext\n--b--\n";
  Problems q;
  parse(multipart("multipart/mixed; boundary=b", folded), q);
  CHECK(q.has("mime-limit"));
}

TEST_CASE("a huge top-level header field never reaches mimetic") {
  // The message's own header is not handed to mimetic, so a multi-megabyte
  // field there costs nothing and is not a limit.
  Msg m = multipart("multipart/mixed; boundary=b",
                    "--b\nContent-Type: text/plain\n\nhi\n--b--\n");
  m.raw.push_back({"X-Huge", std::string(4u << 20, 'h')});
  Problems p;
  auto parts = parse(m, p);
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].text == "hi");
  CHECK(p.empty());
}
