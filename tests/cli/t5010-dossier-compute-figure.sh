#!/bin/sh
# t5010-dossier-compute-figure: the dossier and `gpai openness` judge the
# same training-compute figure as `gpai classify NAME@VER`: a published
# training.flop first, and for a modification its base's figure plus its own.
. "$GPAI_TOP/tests/cli/lib.sh"

test_expect_success 'setup: the catalogue in a registry' '
	gpai init >/dev/null &&
	gpai catalogue import >/dev/null
'

# form72 FILE: the number in the dossier's Form 7.2 value ("4.0e+24 FLOP ...").
form72() {
	/usr/bin/python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
for s in j[\"sections\"]:
    for it in s.get(\"items\", []):
        if it.get(\"key\") == \"form.7.2.training_flop\":
            print(float(it[\"value\"].split()[0]))
" "$1"
}

for m in llama-3.1-405b deepseek-r1 deepseek-v3 llama-3.2-1b; do
	test_expect_success "$m: dossier Form 7.2 equals classify's figure" '
		gpai classify '"$m"' --json >c.json &&
		gpai dossier '"$m"' --audience aio --format json --out d.json >/dev/null &&
		want=$(json_get c.json "j[\"figure\"][\"estimate\"][\"flop\"]") &&
		got=$(form72 d.json) &&
		/usr/bin/python3 -c "import sys; w,g=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if abs(w-g) <= 0.05*w else 1)" "$want" "$got" ||
		{ echo "classify $want, dossier $got"; false; }
	'
done

# Independent of the code: Meta published 3.8e25 FLOP (arXiv:2407.21783,
# section 1); DeepSeek-R1 = V3 (Epoch: 3.4078e24) + R1's 6.1e23.
test_expect_success 'the figures are the published ones' '
	gpai dossier llama-3.1-405b --audience aio --format json --out l.json >/dev/null &&
	test "$(form72 l.json)" = "3.8e+25" &&
	gpai dossier deepseek-r1 --audience aio --format json --out r.json >/dev/null &&
	test "$(form72 r.json)" = "4e+24"
'

test_done
