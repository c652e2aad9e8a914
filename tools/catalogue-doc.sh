#!/bin/sh
# catalogue-doc.sh - regenerates the classification table in docs/catalogue.md
# (`make catalogue-doc`): replaces the lines between the BEGIN and END
# markers with `gpai report --catalogue --format md --date DATE`.
#
#   sh tools/catalogue-doc.sh GPAI DOC DATE
set -eu
gpai=$1
doc=$2
date=$3
begin='<!-- BEGIN catalogue table'
end='<!-- END catalogue table'
grep -q "^$begin" "$doc" && grep -q "^$end" "$doc" || {
	echo "catalogue-doc: $doc: no '$begin' / '$end' markers" >&2
	exit 1
}
table=$(mktemp)
trap 'rm -f "$table" "$doc.tmp"' EXIT
"$gpai" report --catalogue --format md --date "$date" >"$table"
awk -v t="$table" -v b="$begin" -v e="$end" '
	index($0, b) == 1 { print; while ((getline l < t) > 0) print l; skip = 1; next }
	index($0, e) == 1 { skip = 0 }
	!skip { print }' "$doc" >"$doc.tmp"
mv "$doc.tmp" "$doc"
