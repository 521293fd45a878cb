/* Integer-ratio polyphase FIR resampler (windowed sinc, Kaiser window) for 8/16/48 kHz.
 * Up by L = 2, 3, 6 or down by M = 2, 3, 6 in one stage; state carried across calls. */
#ifndef STROWGER_RESAMPLER_H
#define STROWGER_RESAMPLER_H

#include <stdint.h>

typedef struct stw_resampler stw_resampler_t;

/* Returns NULL for unsupported rate pairs or out of memory. Equal rates give a pass-through. */
stw_resampler_t *stw_resampler_new(int from_rate, int to_rate);
void stw_resampler_free(stw_resampler_t *r);
void stw_resampler_reset(stw_resampler_t *r);
int stw_resampler_from_rate(const stw_resampler_t *r);
int stw_resampler_to_rate(const stw_resampler_t *r);
/* Most output samples that n input samples can produce (for buffer sizing). */
int stw_resampler_max_out(const stw_resampler_t *r, int n);
/* Group delay in output samples (an integer by construction). */
int stw_resampler_delay(const stw_resampler_t *r);
/* Resample n samples into out (capacity out_cap). Returns samples written, or -1 when out_cap is
 * too small or memory runs out (state then unchanged). */
int stw_resampler_process(stw_resampler_t *r, const int16_t *in, int n, int16_t *out, int out_cap);

#endif
