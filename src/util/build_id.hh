// Which build of mlidx this is: the commit it was built from (git describe,
// "-dirty" for uncommitted changes), or the project version outside a git
// checkout. Data one build computed and another could compute differently
// (db/snapshot.cc: subjects parsed by this build's rules) is tagged with it.
#pragma once

namespace mlidx {
const char* build_id();
}
