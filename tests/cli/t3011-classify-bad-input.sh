#!/bin/sh
# t3011-classify-bad-input: bad values exit 1 naming the option; misuse exits 2.
. "$GPAI_TOP/tests/cli/lib.sh"

test_expect_success 'bad numbers and dates' '
	test_expect_code 1 gpai classify --flops -1 2>err &&
	grep_q "^gpai: --flops: must be a positive number" err &&
	test_expect_code 1 gpai classify --flops abc 2>err &&
	grep_q "^gpai: --flops: .abc. is not a number" err &&
	test_expect_code 1 gpai classify --flops 1e40 2>err &&
	grep_q "above the plausible maximum" err &&
	test_expect_code 1 gpai classify --flops 1e25 --low 2e25 --high 3e25 2>err &&
	grep_q "need low <= flops <= high" err &&
	test_expect_code 1 gpai classify --flops 1e25 --revenue -5 2>err &&
	grep_q "^gpai: --revenue: must not be negative" err &&
	test_expect_code 1 gpai classify --flops 1e25 --known 2026-02-30 2>err &&
	grep_q "^gpai: --known: .2026-02-30. is not a date" err &&
	test_expect_code 1 gpai classify --flops 1e25 --base-unknown maybe 2>err &&
	grep_q "^gpai: --base-unknown: .maybe. is not" err &&
	test_expect_code 1 gpai classify --flops 1e25 --outputs smell 2>err &&
	grep_q "^gpai: --outputs: unknown modality .smell." err
'

test_expect_success 'malformed stages file' '
	printf "{\"stages\": [{\"kind\": \"sft\", \"flop\": -3}]}" >s.json &&
	test_expect_code 1 gpai classify --stages s.json 2>err &&
	grep_q ".s.json.: stages\[0\] (.sft.): field .flop. must be a positive number" err
'

test_expect_success 'usage errors' '
	test_expect_code 2 gpai classify 2>err &&
	grep_q "give NAME@VER, --flops or --stages" err &&
	test_expect_code 2 gpai classify x@1 --flops 1e25 2>err &&
	grep_q "NAME@VER takes its compute and lineage from the registry" err &&
	test_expect_code 2 gpai classify --flops 1e25 --stages s.json 2>err &&
	test_expect_code 2 gpai classify --flops 1e25 --low 1e24 2>err &&
	grep_q "go together" err &&
	test_expect_code 2 gpai classify --flops 1e25 --base-flops 1e25 --base-unknown gpai 2>err &&
	test_expect_code 2 gpai classify --flops 1e25 --bogus 2>err
'

test_done
