#!/bin/sh
# run.sh - every benchmark (make bench).  Each script prints its own table;
# results are recorded in bench/RESULTS.md with the machine (by hand, except
# bench/registry.sh and bench/oci.sh, which write their own sections through
# bench/section.py).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/bench/hash.sh"
sh "$top/bench/registry.sh"
sh "$top/bench/oci.sh"
sh "$top/bench/decode.sh"
