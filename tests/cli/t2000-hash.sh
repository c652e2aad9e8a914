#!/bin/sh
# t2000-hash: `gpai hash` against model_signing's payload goldens (the whole
# in-toto statement, compared as JSON values), blake2b against openssl, and
# bad input.
. "$GPAI_TOP/tests/cli/lib.sh"

R=$GPAI_SHARED/reference/signing
G=$R/model-transparency/goldens/payload
S=$R/sample-models

# The models the goldens were made from (subject names from the goldens).
mkdir empty_folder_model empty_file_inside_model symlink_model
: >empty_file_model
: >empty_file_inside_model/empty_file
ln -s "$S/file_model" symlink_model/symlink_file

model_for() {
	case $1 in
	sample_model_folder) echo "$S/sample_model" ;;
	sample_model_file) echo "$S/file_model" ;;
	deep_model_folder) echo "$S/deep_model" ;;
	empty_model_folder) echo empty_folder_model ;;
	empty_model_file) echo empty_file_model ;;
	model_folder_with_empty_file) echo empty_file_inside_model ;;
	symlink_model_folder) echo symlink_model ;;
	*) return 1 ;;
	esac
}

test_expect_success 'every payload golden is reproduced as a JSON value' '
	n=0
	for g in "$G"/*.json; do
		b=$(basename "$g" .json)
		case $b in
		*_small_shards) base=${b%_small_shards}; opts="--method shards --shard-size 8" ;;
		*_shard) base=${b%_shard}; opts="--method shards" ;;
		*) base=$b; opts="" ;;
		esac
		m=$(model_for "$base")
		gpai hash --json --allow-symlinks --no-default-ignores $opts "$m" >"$b.out"
		/usr/bin/python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(0 if a==b else 1)" "$g" "$b.out" || {
			echo "payload differs: $b"; cat "$b.out"; exit 1; }
		n=$((n + 1))
	done
	test "$n" -eq 21
'

test_expect_success 'text output: one line per resource and the root' '
	gpai hash "$S/sample_model" >out &&
	grep_q "^fdd8925354242a7fd1515e79534317b800015607a609cd306e0b4dcfe6c92249  d0/f00$" out &&
	grep_q "^root sha256:143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7 " out &&
	gpai hash --quiet "$S/sample_model" >q &&
	echo 143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7 >want &&
	cmp want q
'

test_expect_success 'blake2b digests equal openssl dgst -blake2b512' '
	gpai hash --hash blake2b "$S/sample_model" >out &&
	for f in d0/f00 d1/f12 f3; do
		d=$(openssl dgst -blake2b512 -r "$S/sample_model/$f" | cut -d" " -f1)
		grep_q "^$d  $f$" out
	done &&
	gpai hash --json --hash blake2b --method shards --shard-size 8 "$S/file_model" >j &&
	test "$(json_get j "j[\"predicate\"][\"resources\"][0][\"algorithm\"]")" = blake2b-sharded-8
'

test_expect_success 'the root digest is SHA-256 over the raw resource digests' '
	gpai hash --hash blake2b "$S/deep_model" >out &&
	want=$(grep -v "^root" out | cut -d" " -f1 |
		/usr/bin/python3 -c "import sys,hashlib; print(hashlib.sha256(bytes.fromhex(\"\".join(sys.stdin.read().split()))).hexdigest())") &&
	grep_q "^root sha256:$want " out
'

test_expect_success 'recorded ignore paths and the signature file are skipped' '
	mkdir m m/.git m/sub && echo a >m/a && echo b >m/sub/b && echo s >m/model.sig &&
	echo g >m/.git/HEAD &&
	gpai hash --json m --ignore-paths m/sub >j &&
	test "$(json_get j "len(j[\"predicate\"][\"resources\"])")" = 1 &&
	test "$(json_get j "sorted(j[\"predicate\"][\"serialization\"][\"ignore_paths\"]) == [\".git\", \".gitattributes\", \".github\", \".gitignore\", \"model.sig\", \"sub\"]")" = True
'

test_expect_success 'a symlink without --allow-symlinks fails naming it' '
	test_expect_code 1 gpai hash symlink_model 2>err &&
	grep_q "gpai: cannot hash .symlink_model.: .symlink_model/symlink_file. is a symbolic link" err
'

test_expect_success 'a missing model fails; bad options are usage errors' '
	test_expect_code 1 gpai hash nosuch 2>err &&
	grep_q "cannot open model .nosuch." err &&
	test_expect_code 2 gpai hash --method zip m 2>err &&
	grep_q "unknown method .zip." err &&
	test_expect_code 2 gpai hash --hash md5 m 2>err &&
	grep_q "unknown hash .md5." err &&
	test_expect_code 2 gpai hash --hash blake3 m 2>err &&
	grep_q "blake3. is not supported" err &&
	test_expect_code 2 gpai hash --shard-size 0 m 2>err &&
	test_expect_code 2 gpai hash 2>err &&
	grep_q "missing PATH" err
'

test_done
