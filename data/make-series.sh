#!/usr/bin/env bash
# How data/series.mbox was made: `git format-patch --cover-letter --thread`
# over this repository's own history (the two commits that documented the
# schema and wrote the README), then a v2 of the same series, sent in reply to
# the v1 cover letter the way git-send-email users do. The output is
# committed; re-running this gives other Message-IDs and dates, so the golden
# files in tests/golden/ would have to be regenerated too.
#   data/make-series.sh TIP_COMMIT > data/series.mbox  (TIP: the README commit)
set -euo pipefail
tip=$1
src=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
git clone -q "$src" "$tmp/r"
cd "$tmp/r"
git checkout -q "$tip"
cover() {  # fill the cover letter's subject and blurb placeholders
  sed -i -e "s/\*\*\* SUBJECT HERE \*\*\*/$1/" -e "s/\*\*\* BLURB HERE \*\*\*/$2/" "$3"
}
git format-patch -q --cover-letter --thread -2 -o v1
cover "docs: schema reference and README" \
  "Document the database for users who query it with sqlite3, and open the README with the two commands that set everything up." \
  v1/0000-cover-letter.patch
v1_cover=$(sed -n 's/^Message-Id: <\(.*\)>$/\1/p' v1/0000-cover-letter.patch)
# v2: reword one line of the README, as a reviewer asked.
git rebase -q --exec 2>/dev/null 'if git show --stat HEAD | grep -q README.md; then sed -i "s/so that a list can be queried offline/so that a whole list can be queried offline/" README.md && git commit -q -a --amend --no-edit; fi' HEAD~2
sleep 1  # format-patch ids carry the time in seconds: v2 must not reuse v1 ids
git format-patch -q -v2 --cover-letter --thread --in-reply-to="$v1_cover" -2 -o v2
cover "docs: schema reference and README" \
  "v2: reword the README introduction (thanks for the review)." \
  v2/v2-0000-cover-letter.patch
cat v1/*.patch v2/*.patch
