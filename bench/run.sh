#!/bin/sh
# run.sh - every benchmark (make bench).  Each script prints its own table;
# results are recorded by hand in bench/RESULTS.md with the machine.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/bench/hash.sh"
