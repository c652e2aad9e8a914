#!/bin/sh
# t5006-verify-dossier: `gpai verify BUNDLE.tar.gz` recognises a signed
# dossier bundle and runs the dossier bundle check: it passes on a fresh
# bundle (with --key and with --trusted), and fails with exit 1, naming the
# edited file, after one byte of a bundle file is changed; another key and
# options that belong to model signatures are refused.
. "$GPAI_TOP/tests/cli/lib.sh"

M=$GPAI_SHARED/models/stories260K
PY=/usr/bin/python3

test_expect_success 'setup: a registry version and its signed dossier bundle' '
	gpai init -q &&
	gpai add "$M/stories260K.gguf" --name s260k --version 1 --provider "Andrej Karpathy" \
		--license MIT -q &&
	gpai key generate --out k.pem -q &&
	gpai dossier s260k@1 --out b.tar.gz --key k.pem -q &&
	tar tzf b.tar.gz >list && grep_q "^dossier.sig$" list
'

test_expect_success 'gpai verify passes on a fresh bundle, naming the bound root digest' '
	gpai verify b.tar.gz --key k.pub.pem >out &&
	want=$($PY -c "import hashlib,sys; d=hashlib.sha256(open(sys.argv[1],\"rb\").read()).digest(); print(\"sha256:\"+hashlib.sha256(d).hexdigest())" "$M/stories260K.gguf") &&
	grep_q "verified dossier bundle .b.tar.gz.*$want" out &&
	gpai --json verify b.tar.gz --key k.pub.pem >v.json &&
	json_get v.json "(j[\"verified\"], j[\"kind\"], j[\"root_digest\"])" >got &&
	echo "(True, '"'"'dossier'"'"', '"'"'$want'"'"')" >w && cmp w got
'

test_expect_success 'gpai verify --trusted uses the registry trust store' '
	test_expect_code 1 gpai verify b.tar.gz --trusted 2>err &&
	gpai key import k.pub.pem --trust >/dev/null &&
	gpai verify b.tar.gz --trusted >out &&
	grep_q "verified dossier bundle" out
'

test_expect_success 'one edited byte: exit 1 naming the changed file' '
	mkdir x && (cd x && tar xzf ../b.tar.gz) &&
	$PY -c "import sys; p=sys.argv[1]; b=bytearray(open(p,\"rb\").read()); i=b.find(b\"MIT\"); b[i]=ord(\"N\"); open(p,\"wb\").write(b)" x/dossier.md &&
	(cd x && tar czf ../edited.tar.gz *) &&
	test_expect_code 1 gpai verify edited.tar.gz --key k.pub.pem >out 2>err &&
	grep_q "edited.tar.gz" err && grep_q "dossier.md" err &&
	test_expect_code 1 gpai --json verify edited.tar.gz --key k.pub.pem >v.json 2>/dev/null &&
	json_get v.json "j[\"verified\"]" >got && echo False >w && cmp w got
'

test_expect_success 'another key fails; model-signature options are refused' '
	gpai key generate --out k2.pem -q &&
	test_expect_code 1 gpai verify b.tar.gz --key k2.pub.pem 2>err &&
	grep_q "b.tar.gz" err &&
	test_expect_code 2 gpai verify b.tar.gz --key k.pub.pem --signature x.sig 2>err &&
	grep_q "dossier bundle" err &&
	test_expect_code 2 gpai verify b.tar.gz --ca k.pub.pem 2>err &&
	grep_q "dossier bundle" err
'

test_expect_success 'gpai dossier verify gives the same verdicts' '
	gpai dossier verify b.tar.gz --key k.pub.pem >out && grep_q "OK" out &&
	test_expect_code 1 gpai dossier verify edited.tar.gz --key k.pub.pem 2>err &&
	grep_q "dossier.md" err
'

test_done
