#!/bin/sh
# t6023-oci-pull-tar-layers: gpai pull reads artifacts whose layers are tar
# archives, built here the way other clients build them (tar with `tar`,
# blobs and manifest uploaded with curl to Debian's docker-registry):
# a KitOps ModelKit (config application/vnd.kitops.modelkit.config.v1+json,
# the Kitfile as JSON; layers application/vnd.kitops.modelkit.{model,
# modelpart,docs}.v1.tar[+gzip]), a ModelPack artifact with
# application/vnd.cncf.model.*.v1.tar[+gzip] layers and an older CNAI one
# (application/vnd.cnai.model.*).  Each pulled version has the root digest
# `gpai add` gives the same files; a tampered tar layer (digest), a tar
# that climbs out of the tree, and two layers with one path are refused
# with nothing registered.
. "$GPAI_TOP/tests/cli/lib.sh"
. "$GPAI_TOP/tests/cli/oci_registry.sh"

if ! have_shared models/stories260K/stories260K.bin; then
	echo "not ok - $test_name: needs $GPAI_SHARED/models/stories260K"
	exit 1
fi
M=$GPAI_SHARED/models/stories260K
PY=/usr/bin/python3
registry_start

# push_blob REPO FILE: monolithic upload (POST, then PUT ?digest=), as a
# registry client does; prints the digest
push_blob() {
	d=sha256:$(sha256sum "$2" | cut -c1-64)
	loc=$(curl -sS -o /dev/null -D - -X POST "http://$REG/v2/$1/blobs/uploads/" |
		tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
	case $loc in http*) ;; *) loc=http://$REG$loc ;; esac
	case $loc in *\?*) sep='&' ;; *) sep='?' ;; esac
	code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT -H "Content-Type: application/octet-stream" \
		--data-binary "@$2" "$loc${sep}digest=$d")
	test "$code" = 201 || { echo "blob upload of $2: $code" >&2; return 1; }
	echo "$d"
}
# push_manifest REPO TAG FILE
push_manifest() {
	code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT \
		-H "Content-Type: application/vnd.oci.image.manifest.v1+json" \
		--data-binary "@$3" "http://$REG/v2/$1/manifests/$2")
	test "$code" = 201 || { echo "manifest PUT $1:$2: $code" >&2; return 1; }
}
# manifest OUT CONFIG_TYPE CONFIG_FILE ARTIFACT_TYPE|- FILEPATH_ANNOTATION|- TYPE:FILE:PATH...
# writes an OCI image manifest (digests and sizes by hashlib)
manifest() {
	$PY - "$@" <<-\EOP
	import hashlib, json, os, sys
	out, ctype, cfile, atype, ann = sys.argv[1:6]
	def desc(t, f):
	    b = open(f, "rb").read()
	    return {"mediaType": t, "digest": "sha256:" + hashlib.sha256(b).hexdigest(), "size": len(b)}
	m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
	     "config": desc(ctype, cfile), "layers": []}
	if atype != "-":
	    m["artifactType"] = atype
	for spec in sys.argv[6:]:
	    t, f, p = spec.split("|")
	    d = desc(t, f)
	    if ann != "-":
	        d["annotations"] = {ann: p}
	    m["layers"].append(d)
	json.dump(m, open(out, "w"))
	EOP
}
KT=application/vnd.kitops.modelkit

test_expect_success 'setup: tar layers of the stories260K files, the reference root digest' '
	mkdir files && cp "$M"/* files/ && chmod u+w files/* &&
	(cd files && tar --owner=1000 --group=0 --numeric-owner --mtime=@0 -czf ../model.tgz stories260K.bin &&
	 tar --owner=1000 --group=0 --numeric-owner --mtime=@0 -cf ../gguf.tar stories260K.gguf &&
	 tar --owner=1000 --group=0 --numeric-owner --mtime=@0 -cf ../tok.tar tok512.bin &&
	 tar --owner=1000 --group=0 --numeric-owner --mtime=@0 -cf ../docs.tar SOURCE.md) &&
	gpai init -q &&
	gpai add files --name ref --version 1 -q &&
	gpai show ref@1 --json >ref.json
'

test_expect_success 'a KitOps ModelKit pulls with the root digest of gpai add of its files' '
	cat >kitfile.json <<-\EOF &&
	{"manifestVersion": "1.0.0",
	 "package": {"name": "stories260K", "version": "1.0.0", "authors": ["Andrej Karpathy"],
	             "license": "MIT", "description": "llama2.c tiny story model"},
	 "model": {"name": "stories260K", "path": "stories260K.bin", "framework": "llama2.c",
	           "parts": [{"path": "stories260K.gguf", "type": "gguf"},
	                     {"path": "tok512.bin", "type": "tokenizer"}]},
	 "docs": [{"path": "SOURCE.md", "description": "where the files come from"}]}
	EOF
	for f in kitfile.json model.tgz gguf.tar tok.tar docs.tar; do
		push_blob kit/st "$f" >/dev/null || return 1
	done &&
	manifest kit.json $KT.config.v1+json kitfile.json - - \
		"$KT.model.v1.tar+gzip|model.tgz|stories260K.bin" \
		"$KT.modelpart.v1.tar|gguf.tar|stories260K.gguf" \
		"$KT.modelpart.v1.tar|tok.tar|tok512.bin" \
		"$KT.docs.v1.tar|docs.tar|SOURCE.md" &&
	push_manifest kit/st v1 kit.json &&
	gpai --registry k init -q &&
	gpai --registry k pull "oci://$REG/kit/st:v1" --insecure-http --json >k.json &&
	test "$(json_get k.json "j[\"artifact\"]")" = kitops &&
	test "$(json_get k.json "j[\"layers\"]")" = 4 &&
	test "$(json_get k.json "j[\"root_digest\"]")" = "$(json_get ref.json "j[\"root_digest\"]")" &&
	gpai --registry k show stories260K@1.0.0 --json >ks.json &&
	test "$(json_get ks.json "j[\"provider\"]")" = "Andrej Karpathy" &&
	test "$(json_get ks.json "j[\"license\"]")" = MIT &&
	test "$(json_get ks.json "sorted(f[\"path\"] for f in j[\"files\"])")" = \
		"$(json_get ref.json "sorted(f[\"path\"] for f in j[\"files\"])")"
'

test_expect_success 'a ModelPack artifact with tar layers pulls with the same root digest' '
	printf "%s" "{\"descriptor\": {\"name\": \"st-mp\", \"version\": \"2\"}, \"config\": {\"format\": \"llama2c\"}, \"modelfs\": {\"type\": \"layers\", \"diffIds\": []}}" >mp-config.json &&
	for f in mp-config.json model.tgz gguf.tar tok.tar docs.tar; do
		push_blob mp/st "$f" >/dev/null || return 1
	done &&
	manifest mp.json application/vnd.cncf.model.config.v1+json mp-config.json \
		application/vnd.cncf.model.manifest.v1+json org.cncf.model.filepath \
		"application/vnd.cncf.model.weight.v1.tar+gzip|model.tgz|stories260K.bin" \
		"application/vnd.cncf.model.weight.v1.tar|gguf.tar|stories260K.gguf" \
		"application/vnd.cncf.model.weight.config.v1.tar|tok.tar|tok512.bin" \
		"application/vnd.cncf.model.doc.v1.tar|docs.tar|SOURCE.md" &&
	push_manifest mp/st v2 mp.json &&
	gpai --registry mp init -q &&
	gpai --registry mp pull "oci://$REG/mp/st:v2" --insecure-http --json >m.json &&
	test "$(json_get m.json "j[\"artifact\"]")" = modelpack &&
	test "$(json_get m.json "(j[\"name\"], j[\"version\"])")" = "('"'"'st-mp'"'"', '"'"'2'"'"')" &&
	test "$(json_get m.json "j[\"root_digest\"]")" = "$(json_get ref.json "j[\"root_digest\"]")"
'

test_expect_success 'an older CNAI artifact with tar layers pulls with the same root digest' '
	printf "%s" "{\"descriptor\": {\"name\": \"st-cnai\", \"version\": \"3\"}}" >cn-config.json &&
	push_blob cnai/st cn-config.json >/dev/null &&
	for f in model.tgz gguf.tar tok.tar docs.tar; do
		push_blob cnai/st "$f" >/dev/null || return 1
	done &&
	manifest cn.json application/vnd.cnai.model.config.v1+json cn-config.json \
		application/vnd.cnai.model.manifest.v1+json org.cnai.model.filepath \
		"application/vnd.cnai.model.weight.v1.tar+gzip|model.tgz|stories260K.bin" \
		"application/vnd.cnai.model.weight.v1.tar|gguf.tar|stories260K.gguf" \
		"application/vnd.cnai.model.weight.config.v1.tar|tok.tar|tok512.bin" \
		"application/vnd.cnai.model.doc.v1.tar|docs.tar|SOURCE.md" &&
	push_manifest cnai/st v3 cn.json &&
	gpai --registry cn init -q &&
	gpai --registry cn pull "oci://$REG/cnai/st:v3" --insecure-http --json >c.json &&
	test "$(json_get c.json "j[\"artifact\"]")" = cnai &&
	test "$(json_get c.json "j[\"root_digest\"]")" = "$(json_get ref.json "j[\"root_digest\"]")"
'

test_expect_success 'a tampered tar layer in the registry storage is refused, nothing registered' '
	hex=$(sha256sum tok.tar | cut -c1-64) &&
	data="$REG_STORE/docker/registry/v2/blobs/sha256/$(echo $hex | cut -c1-2)/$hex/data" &&
	test -f "$data" &&
	$PY -c "import sys; f=open(sys.argv[1],\"r+b\"); f.seek(600); b=f.read(1); f.seek(600); f.write(bytes([b[0]^1]))" "$data" &&
	gpai --registry t init -q &&
	test_expect_code 1 gpai --registry t pull "oci://$REG/kit/st:v1" --insecure-http 2>err &&
	grep_q "layer .tar layer 2 ($KT.modelpart.v1.tar). from registry .$REG. has digest sha256:[0-9a-f]*, not sha256:$hex" err &&
	gpai --registry t list --json >l.json && test "$(json_get l.json "len(j)")" -eq 0 &&
	test -z "$(ls -d t/pull-* 2>/dev/null)"
'

test_expect_success 'a tar layer that climbs out of the tree is refused, nothing written outside' '
	$PY - <<-\EOP &&
	import io, tarfile
	with tarfile.open("evil.tar", "w", format=tarfile.USTAR_FORMAT) as t:
	    data = b"not a model file\n"
	    i = tarfile.TarInfo("../escaped.txt"); i.size = len(data)
	    t.addfile(i, io.BytesIO(data))
	EOP
	push_blob kit/evil kitfile.json >/dev/null && push_blob kit/evil docs.tar >/dev/null &&
	push_blob kit/evil evil.tar >/dev/null &&
	manifest evil.json $KT.config.v1+json kitfile.json - - \
		"$KT.docs.v1.tar|docs.tar|SOURCE.md" "$KT.code.v1.tar|evil.tar|x" &&
	push_manifest kit/evil v1 evil.json &&
	gpai --registry e init -q &&
	test_expect_code 1 gpai --registry e pull "oci://$REG/kit/evil:v1" --insecure-http 2>err &&
	grep_q "tar layer 1 (sha256:[0-9a-f]*) of .oci://$REG/kit/evil:v1. refused" err &&
	grep_q "\.\./escaped.txt" err &&
	test ! -e e/escaped.txt && test -z "$(find . -name escaped.txt)" &&
	gpai --registry e list --json >l.json && test "$(json_get l.json "len(j)")" -eq 0
'

test_expect_success 'two tar layers with the same path are refused' '
	push_blob kit/dup kitfile.json >/dev/null && push_blob kit/dup docs.tar >/dev/null &&
	manifest dup.json $KT.config.v1+json kitfile.json - - \
		"$KT.docs.v1.tar|docs.tar|SOURCE.md" "$KT.docs.v1.tar|docs.tar|SOURCE.md" &&
	push_manifest kit/dup v1 dup.json &&
	gpai --registry d init -q &&
	test_expect_code 1 gpai --registry d pull "oci://$REG/kit/dup:v1" --insecure-http 2>err &&
	grep_q "entry .SOURCE.md. is there already" err &&
	gpai --registry d list --json >l.json && test "$(json_get l.json "len(j)")" -eq 0
'

test_expect_success 'a layer media type this build does not read is named' '
	manifest odd.json $KT.config.v1+json kitfile.json - - "$KT.model.v1.raw|docs.tar|SOURCE.md" &&
	push_manifest kit/dup odd odd.json &&
	test_expect_code 1 gpai --registry d pull "oci://$REG/kit/dup:odd" --insecure-http 2>err &&
	grep_q "layer 0 has media type $KT.model.v1.raw" err
'

test_done
