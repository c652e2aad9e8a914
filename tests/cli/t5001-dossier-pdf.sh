#!/bin/sh
# t5001-dossier-pdf: the HTML dossier rendered by headless Chromium into a
# PDF whose text (poppler-utils pdftotext) has the model name, its root
# digest and its training FLOP; and a clear error when Chromium is absent.
. "$GPAI_TOP/tests/cli/lib.sh"

DIGEST=sha256:270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d
cat >m.json <<JSON
{"name": "pdfmodel", "version": "2", "provider": "Example AI", "license": "MIT",
 "root_digest": "$DIGEST",
 "facts": [{"field": "training.flop", "value": "2.3e24", "source": "example report, table 1"}]}
JSON

test_expect_success 'pdf: Chromium renders the HTML; its text has name, digest and FLOP' '
	gpai dossier --facts m.json --format pdf --out m.pdf >rep &&
	grep_q "wrote m.pdf" rep &&
	head -c 5 m.pdf >magic && printf "%%PDF-" >want && cmp want magic &&
	pdftotext -layout m.pdf m.txt &&
	grep_q "pdfmodel@2" m.txt &&
	tr -d " \n" <m.txt >flat.txt &&
	grep_q "$DIGEST" flat.txt &&
	grep_q "2.3e+24 FLOP" m.txt &&
	! test -e m.pdf.html
'

test_expect_success 'pdf without Chromium: a clear error, no file' '
	GPAI_CHROMIUM=/nonexistent/chromium test_expect_code 1 gpai dossier --facts m.json --format pdf --out n.pdf 2>err &&
	grep_q "headless Chromium is not installed" err &&
	! test -e n.pdf
'

test_done
