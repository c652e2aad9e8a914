#!/bin/sh
# banned.sh - the calls STYLE.md bans from the code (curl's checksrc, small):
# sprintf, strcpy, strcat, atoi, and printing or exiting in the library.
set -u
cd "$(dirname "$0")/.." || exit 1
status=0
lib="common signing inference compute_estimator registry dossier"
if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|gets)\s*\(' \
	$(find $lib cli -name '*.c' -o -name '*.h' 2>/dev/null); then
	echo "banned: unsafe string or number calls above" >&2
	status=1
fi
if grep -nE '\b(printf|puts|exit|abort|perror)\s*\(|\b(stdout|stderr)\b' \
	$(find $lib -name '*.c' 2>/dev/null); then
	echo "banned: the library must not print or exit (above)" >&2
	status=1
fi
[ $status -eq 0 ] && echo "banned calls: none"
exit $status
