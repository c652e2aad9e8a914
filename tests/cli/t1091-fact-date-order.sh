#!/bin/sh
# t1091-fact-date-order: dates that run backwards are refused when the fact
# is set (Union market date before the first release; training end before
# its start), through `fact set` and `add --facts`, and nothing is recorded.
. "$GPAI_TOP/tests/cli/lib.sh"

test_expect_success 'setup' '
	gpai init >/dev/null &&
	gpai add --no-files --name m --access api >/dev/null
'

test_expect_success 'a Union market date before the first release is refused' '
	gpai fact set m@1 release.date 2024-05-01 --source "model card" &&
	test_expect_code 1 gpai fact set m@1 release.eu_market_date 2024-01-01 --source x 2>err &&
	grep_q "release.eu_market_date" err &&
	grep_q "after" err &&
	test_expect_code 1 gpai fact history m@1 release.eu_market_date 2>err &&
	grep_q "no fact .release.eu_market_date. recorded" err
'

test_expect_success 'a first release moved after the Union market date is refused' '
	gpai fact set m@1 release.eu_market_date 2024-05 --source x &&
	test_expect_code 1 gpai fact set m@1 release.date 2024-06-01 --source x 2>err &&
	grep_q "release.date" err
'

test_expect_success 'dates of different precision compare on what they share' '
	gpai fact set m@1 release.date 2024-05-20 --source x &&
	gpai fact set m@1 release.eu_market_date 2024 --source x
'

test_expect_success 'training end before its start is refused in a facts file' '
	cat >f.json <<-\JSON &&
	{"facts": [
	  {"field": "training.time.start", "value": "2024-03-01", "source": "paper"},
	  {"field": "training.time.end", "value": "2024-02-01", "source": "paper"}
	]}
	JSON
	test_expect_code 1 gpai add --no-files --name n --access api --facts f.json 2>err &&
	grep_q "training.time.end" err &&
	test_expect_code 1 gpai show n@1 2>/dev/null
'

test_done
