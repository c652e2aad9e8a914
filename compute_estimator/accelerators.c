/*
 * accelerators.c - dense peak throughput per number format, as compiled data.
 *
 * Every figure is copied from Epoch AI's ML-hardware table (the row named in
 * epoch_name, the column named in column[]), snapshot
 * ../shared/reference/compute/epoch_chip_dataset_snapshot_2025-11.csv
 * (epoch-research/training-cost-trends, commit 7a77a945; CC BY, see
 * gpai_accelerator_source).  tests/unit/test_compute_accelerators.c reads
 * that CSV in place and checks every figure here against it.
 *
 * Invariants: peak[p] > 0 exactly when column[p] is set; no sparse (2:4)
 * figure is ever stored; a format a chip lacks (BF16 on V100, FP8 before
 * Hopper/CDNA3, FP16 on TPUs) is 0 and asking for it is an error.
 *
 * Epoch's column names: the tensor-core FP16/BF16 column holds the matrix
 * rate for both 16-bit formats; for Hopper GPUs and the MI300X Epoch gives
 * the FP8 rate only in the INT8 column (SOURCE.md), which equals the dense
 * FP8 rate on those chips (NVIDIA H100/H200/H20 datasheets list FP8 and
 * INT8 at the same dense rate; AMD MI300X likewise).
 */
#include "compute_estimator.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

const char gpai_accelerator_source[] =
	"Epoch AI, ML hardware data (CC BY 4.0), https://epoch.ai/data/machine-learning-hardware, "
	"snapshot 2025-11-28 via github.com/epoch-research/training-cost-trends "
	"data/Chip dataset-Grid view.csv @7a77a945";

#define C_FP32 "FP32 (single precision) performance (FLOP/s)"
#define C_TF32 "TF32 (TensorFloat-32) performance (FLOP/s)"
#define C_T16 "Tensor-FP16/BF16 performance (FLOP/s)"
#define C_FP8 "FP8 performance (FLOP/s)"
#define C_INT8 "INT8 performance (OP/s)"

/* Order of the arrays: fp32, tf32, bf16, fp16, fp8. */
#define PEAKS(fp32, tf32, bf16, fp16, fp8) { fp32, tf32, bf16, fp16, fp8 }
#define COLS(fp32, tf32, bf16, fp16, fp8) { fp32, tf32, bf16, fp16, fp8 }

static const char NOTE_VOLTA[] =
	"Volta tensor cores have FP16 but no BF16 or TF32";
static const char NOTE_HOPPER_FP8[] =
	"FP8 from Epoch's INT8 column (the dense FP8 rate equals the INT8 rate)";
static const char NOTE_TPU[] =
	"TPU matrix units run BF16; no FP16, TF32 or FP32 matrix peak in the table";

static const struct gpai_accelerator table[] = {
	{ "V100-SXM2", "V100,V100-SXM", "NVIDIA Tesla V100 SXM2",
	  PEAKS(15.67e12, 0, 0, 125e12, 0),
	  COLS(C_FP32, NULL, NULL, C_T16, NULL), NOTE_VOLTA },
	{ "V100-PCIe", "", "NVIDIA Tesla V100 PCIe 16 GB",
	  PEAKS(14.13e12, 0, 0, 112e12, 0),
	  COLS(C_FP32, NULL, NULL, C_T16, NULL), NOTE_VOLTA },
	{ "A100-SXM4-40GB", "A100-40GB", "NVIDIA A100 SXM4 40 GB",
	  PEAKS(19.49e12, 156e12, 312e12, 312e12, 0),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, NULL), "" },
	{ "A100-SXM4-80GB", "A100,A100-SXM,A100-80GB", "NVIDIA A100 SXM4 80 GB",
	  PEAKS(19.49e12, 156e12, 312e12, 312e12, 0),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, NULL), "" },
	{ "A100-PCIe", "", "NVIDIA A100 PCIe",
	  PEAKS(19.49e12, 156e12, 312e12, 312e12, 0),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, NULL), "" },
	{ "A800-SXM", "A800", "NVIDIA A800 SXM",
	  PEAKS(19.49e12, 155.9e12, 311.8e12, 311.8e12, 0),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, NULL), "" },
	{ "A800-PCIe", "", "NVIDIA A800 PCIe 80 GB",
	  PEAKS(19.49e12, 155.9e12, 311.8e12, 311.8e12, 0),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, NULL), "" },
	{ "H100-SXM", "H100,H100-SXM5", "NVIDIA H100 SXM5 80GB",
	  PEAKS(66.91e12, 494.7e12, 989.4e12, 989.4e12, 1979e12),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, C_INT8), NOTE_HOPPER_FP8 },
	{ "H100-PCIe", "", "NVIDIA H100 PCIe",
	  PEAKS(51.22e12, 378e12, 756e12, 756e12, 0),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, NULL),
	  "Epoch's table gives no FP8 (or INT8) figure for the H100 PCIe" },
	{ "H800-SXM", "H800,H800-SXM5", "NVIDIA H800 SXM5",
	  PEAKS(59.3e12, 454.5e12, 989e12, 989e12, 1979e12),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, C_INT8), NOTE_HOPPER_FP8 },
	{ "H800-PCIe", "", "NVIDIA H800 PCIe",
	  PEAKS(51e12, 378e12, 756e12, 756e12, 1513e12),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, C_INT8), NOTE_HOPPER_FP8 },
	{ "H200-SXM", "H200", "NVIDIA H200 SXM",
	  PEAKS(66.91e12, 494.5e12, 989.5e12, 989.5e12, 1979e12),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, C_INT8), NOTE_HOPPER_FP8 },
	{ "H20", "HGX-H20", "NVIDIA HGX H20",
	  PEAKS(44e12, 74e12, 148e12, 148e12, 296e12),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, C_INT8), NOTE_HOPPER_FP8 },
	{ "B200", "", "NVIDIA B200",
	  PEAKS(62.08e12, 1125e12, 2250e12, 2250e12, 4500e12),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, C_FP8), "" },
	{ "GB200", "", "NVIDIA GB200",
	  PEAKS(90e12, 1250e12, 2500e12, 2500e12, 5000e12),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, C_FP8),
	  "per B200 GPU of a GB200 superchip, as Epoch lists it" },
	{ "MI250X", "", "AMD Radeon Instinct MI250X",
	  PEAKS(47.87e12, 95.7e12, 383e12, 383e12, 0),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, NULL),
	  "Epoch's TF32 column holds CDNA2's FP32 matrix rate; no FP8 on CDNA2" },
	{ "MI300X", "", "AMD Instinct MI300X",
	  PEAKS(163.4e12, 653.7e12, 1307.4e12, 1307.4e12, 2614.9e12),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, C_INT8), NOTE_HOPPER_FP8 },
	{ "TPUv3", "TPU-v3", "Google TPU v3",
	  PEAKS(0, 0, 123e12, 0, 0),
	  COLS(NULL, NULL, C_T16, NULL, NULL), NOTE_TPU },
	{ "TPUv4", "TPU-v4", "Google TPU v4",
	  PEAKS(0, 0, 275e12, 0, 0),
	  COLS(NULL, NULL, C_T16, NULL, NULL), NOTE_TPU },
	{ "TPUv5e", "TPU-v5e", "Google TPU v5e",
	  PEAKS(0, 0, 197e12, 0, 0),
	  COLS(NULL, NULL, C_T16, NULL, NULL), NOTE_TPU },
	{ "TPUv5p", "TPU-v5p", "Google TPU v5p",
	  PEAKS(0, 0, 459e12, 0, 0),
	  COLS(NULL, NULL, C_T16, NULL, NULL), NOTE_TPU },
	{ "TPUv6e", "TPU-v6e,Trillium", "Google TPU v6e Trillium",
	  PEAKS(0, 0, 918e12, 0, 0),
	  COLS(NULL, NULL, C_T16, NULL, NULL), NOTE_TPU },
	{ "Trainium2", "Trn2", "Amazon Trainium2",
	  PEAKS(0, 0, 667e12, 667e12, 1299e12),
	  COLS(NULL, NULL, C_T16, C_T16, C_FP8),
	  "Epoch's table gives no FP32 or TF32 figure for Trainium2" },
	{ "Gaudi3", "Gaudi-3", "Intel Habana Gaudi3",
	  PEAKS(14.3e12, 459e12, 1678e12, 1678e12, 1678e12),
	  COLS(C_FP32, C_TF32, C_T16, C_T16, C_FP8), "" },
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

static const char *const prec_names[GPAI_NPREC] = {
	"fp32", "tf32", "bf16", "fp16", "fp8"
};

const char *gpai_precision_name(enum gpai_precision p)
{
	return (unsigned)p < GPAI_NPREC ? prec_names[p] : "?";
}

int gpai_precision_parse(const char *s, enum gpai_precision *out)
{
	for (int i = 0; i < GPAI_NPREC; i++)
		if (s && strcasecmp(s, prec_names[i]) == 0) {
			*out = (enum gpai_precision)i;
			return GPAI_OK;
		}
	return GPAI_EFORMAT;
}

size_t gpai_accelerator_count(void)
{
	return NTABLE;
}

const struct gpai_accelerator *gpai_accelerator_at(size_t i)
{
	return i < NTABLE ? &table[i] : NULL;
}

/* Compares ignoring case, ' ', '-' and '_' over [a, a+na) and b. */
static int same_name(const char *a, size_t na, const char *b)
{
	size_t i = 0;

	for (;;) {
		while (i < na && (a[i] == ' ' || a[i] == '-' || a[i] == '_'))
			i++;
		while (*b == ' ' || *b == '-' || *b == '_')
			b++;
		if (i == na || !*b)
			return i == na && !*b;
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)*b))
			return 0;
		i++;
		b++;
	}
}

const struct gpai_accelerator *gpai_accelerator_find(const char *name)
{
	if (!name || !*name)
		return NULL;
	for (size_t i = 0; i < NTABLE; i++) {
		const char *p = table[i].aliases;

		if (same_name(table[i].id, strlen(table[i].id), name))
			return &table[i];
		while (*p) {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);

			if (n && same_name(p, n, name))
				return &table[i];
			p += n + (comma ? 1 : 0);
		}
	}
	return NULL;
}

int gpai_accelerator_peak(const struct gpai_accelerator *a,
			  enum gpai_precision p, double *out,
			  struct gpai_error *err)
{
	if ((unsigned)p >= GPAI_NPREC || !(a->peak[p] > 0))
		return gpai_error_set(err, GPAI_ENOTFOUND,
				      "accelerator '%s' has no dense %s peak in the "
				      "table (%s)", a->id, gpai_precision_name(p),
				      a->note && *a->note ? a->note :
				      "Epoch's chip table gives no figure for it");
	*out = a->peak[p];
	return GPAI_OK;
}
