#!/bin/sh
# t5004-dossier-registry: `gpai dossier NAME@VER` from a registry version
# (root digest, parameters from the files, facts with sources, lineage and
# the one-third rule), the history of generated dossiers, and the signed
# bundle: `gpai dossier verify` passes, and fails after one edited byte, on
# an unsigned bundle, with another key, and against other weights.
. "$GPAI_TOP/tests/cli/lib.sh"

M=$GPAI_SHARED/models/stories260K
PY=/usr/bin/python3

test_expect_success 'setup: registry with stories260K and a fine-tune of it' '
	gpai init -q &&
	gpai add "$M/stories260K.gguf" --name s260k --version 1 --provider "Andrej Karpathy" \
		--license MIT -q &&
	gpai fact set s260k@1 training.flop 1.0e16 --source "example: test value" -q &&
	gpai fact set s260k@1 release.date 2023-08-01 --source "https://github.com/karpathy/llama2.c" -q &&
	cp "$M/stories260K.bin" tuned.bin &&
	gpai add tuned.bin --name tuned --version 1 --base s260k@1 --relation finetune -q &&
	gpai fact set tuned@1 modification.flop 4.0e15 --source "example: test value" -q
'

test_expect_success 'the dossier carries the OMS root digest of the stored file' '
	gpai dossier s260k@1 --format json --out d.json -q &&
	want=$($PY -c "import hashlib,sys; d=hashlib.sha256(open(sys.argv[1],\"rb\").read()).digest(); print(\"sha256:\"+hashlib.sha256(d).hexdigest())" "$M/stories260K.gguf") &&
	json_get d.json "j[\"model\"][\"root_digest\"]" >got &&
	echo "$want" >want && cmp want got &&
	json_get d.json "[i[\"value\"] for s in j[\"sections\"] for i in s[\"items\"] if i[\"key\"]==\"form.1.3.authenticity\"][0]" >v &&
	grep_q "$want" v
'

test_expect_success 'parameters from the file headers, counted once when tied' '
	want=$($PY -c "d,h,l,v,kv,nh=64,172,5,512,4,8; hd=d//nh; print(\"%.1e\" % (v*d + l*(d*d*2 + 2*d*kv*hd + 3*d*h + 2*d) + d))") &&
	json_get d.json "[i[\"value\"] for s in j[\"sections\"] for i in s[\"items\"] if i[\"key\"]==\"form.2.5.parameters\"][0]" >v &&
	echo "$want" >w && cmp w v
'

test_expect_success 'facts keep their sources; the licence comes from gpai add' '
	json_get d.json "[(i[\"value\"], i[\"source\"]) for s in j[\"sections\"] for i in s[\"items\"] if i[\"key\"]==\"form.1.4.release_date\"][0]" >v &&
	grep_q "2023-08-01.*karpathy/llama2.c" v &&
	json_get d.json "j[\"openness\"][\"license\"][\"spdx\"]" >l && grep_q "^MIT$" l
'

test_expect_success 'a fine-tune links to its base and applies the one-third rule' '
	gpai dossier tuned@1 --format json --out t.json -q &&
	json_get t.json "[i[\"value\"] for s in j[\"sections\"] for i in s[\"items\"] if i[\"key\"]==\"form.1.6.dependencies\"][0]" >v &&
	grep_q "^s260k@1 (finetune)$" v &&
	json_get t.json "[i[\"value\"] for s in j[\"sections\"] for i in s[\"items\"] if i[\"key\"]==\"classification.modification\"][0]" >v &&
	grep_q "4.0e+15 FLOP vs one third of the base" v && grep_q "3.3e+15 FLOP: above" v
'

test_expect_success 'each generated dossier is kept with its number; --history lists them' '
	gpai dossier s260k@1 --audience public --format md --out p.md -q &&
	gpai --json dossier s260k@1 --history >h.json &&
	json_get h.json "[(e[\"number\"], e[\"audience\"], e[\"format\"]) for e in j]" >v &&
	grep_q "^\[(1, .aio., .json.), (2, .public., .md.)\]$" v &&
	sha=$(sha256sum p.md | cut -d" " -f1) &&
	json_get h.json "j[1][\"sha256\"]" >s && echo "$sha" >w && cmp w s &&
	grep_q "Document version 2" p.md
'

test_expect_success 'signed bundle: every format, root digest, signature; verify passes' '
	gpai key generate --out k.pem -q &&
	gpai dossier s260k@1 --out b.tar.gz --key k.pem >rep &&
	grep_q "signed (dossier.sig)" rep &&
	tar tzf b.tar.gz | sort >list &&
	for f in dossier.json dossier.md dossier.html dossier.cdx.json model-root-digest dossier.sig; do
		grep_q "^$f$" list || exit 1
	done &&
	gpai dossier verify b.tar.gz --key k.pub.pem >out &&
	grep_q "OK" out &&
	gpai dossier verify b.tar.gz --key k.pub.pem --ref s260k@1 >out &&
	grep_q "matches the model given" out &&
	gpai dossier verify b.tar.gz --key k.pub.pem --model "$M/stories260K.gguf" >out
'

test_expect_success 'one edited byte in a bundle file fails verification, naming the file' '
	mkdir x && (cd x && tar xzf ../b.tar.gz) &&
	$PY -c "import sys; p=sys.argv[1]; b=bytearray(open(p,\"rb\").read()); i=b.find(b\"MIT\"); b[i]=ord(\"N\"); open(p,\"wb\").write(b)" x/dossier.md &&
	(cd x && tar czf ../edited.tar.gz *) &&
	test_expect_code 1 gpai dossier verify edited.tar.gz --key k.pub.pem 2>err &&
	grep_q "dossier.md" err
'

test_expect_success 'one flipped byte of the archive itself fails' '
	$PY -c "import sys; b=bytearray(open(\"b.tar.gz\",\"rb\").read()); b[len(b)//2]^=1; open(\"flip.tar.gz\",\"wb\").write(b)" &&
	test_expect_code 1 gpai dossier verify flip.tar.gz --key k.pub.pem 2>err &&
	grep_q "flip.tar.gz" err
'

test_expect_success 'other weights, another key, an unsigned bundle: all fail' '
	test_expect_code 1 gpai dossier verify b.tar.gz --key k.pub.pem --model "$M/stories260K.bin" 2>err &&
	grep_q "other weights" err &&
	gpai key generate --out k2.pem -q &&
	test_expect_code 1 gpai dossier verify b.tar.gz --key k2.pub.pem 2>err &&
	gpai dossier s260k@1 --out u.tar.gz -q &&
	test_expect_code 1 gpai dossier verify u.tar.gz --key k.pub.pem 2>err &&
	grep_q "is not signed" err
'

test_expect_success 'openness of a registry version' '
	gpai fact set s260k@1 openness.model_parameters_final MIT --source "https://huggingface.co/karpathy/tinyllamas" -q &&
	gpai fact set s260k@1 openness.model_architecture MIT --source "https://github.com/karpathy/llama2.c" -q &&
	gpai fact set s260k@1 openness.model_card unspecified --source "https://github.com/karpathy/llama2.c" -q &&
	gpai openness s260k@1 >out &&
	grep_q "^s260k@1: open-weight (open licence)$" out &&
	grep_q "^Art. 53(2) exemption: applies$" out
'

test_expect_success 'registry errors: unknown version, both sources, history without a version' '
	test_expect_code 1 gpai dossier nosuch@1 2>err && grep_q "nosuch" err &&
	test_expect_code 2 gpai dossier s260k@1 --facts x.json 2>err &&
	test_expect_code 2 gpai dossier --facts x.json --history 2>err &&
	test_expect_code 2 gpai dossier s260k@1 --key k.pem --out a.md 2>err &&
	grep_q "signs a bundle" err
'

test_done
