/*
 * estimator_private.h - limits shared by the files of compute_estimator/.
 *
 * An input above one of these is taken for a typing error ("absurd"): each
 * is orders of magnitude above the largest published figure (parameters
 * ~2e12, tokens ~4e13, training compute ~5e26, clusters ~2e5 chips).
 */
#ifndef GPAI_ESTIMATOR_PRIVATE_H
#define GPAI_ESTIMATOR_PRIVATE_H

#include "compute_estimator.h"

#define GPAI_EST_PARAMS_MAX 1e15
#define GPAI_EST_TOKENS_MAX 1e17
#define GPAI_EST_EPOCHS_MAX 1e6
#define GPAI_EST_FLOP_MAX GPAI_FLOP_PLAUSIBLE_MAX
#define GPAI_EST_CHIPS_MAX 1e8
#define GPAI_EST_HOURS_MAX 1e6      /* per period: ~114 years */
#define GPAI_EST_CHIP_HOURS_MAX 1e11
#define GPAI_EST_CONTEXT_MAX GPAI_CONTEXT_PLAUSIBLE_MAX
#define GPAI_EST_WIDTH_MAX 1e9
#define GPAI_EST_LAYERS_MAX 1e6

#endif
