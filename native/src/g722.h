/* ITU-T G.722 (09/2012) 64 kbit/s sub-band ADPCM, written from the Recommendation's block
 * descriptions (clause 6: QMF, lower/upper sub-band encoder and decoder blocks). Pure C, no I/O. */
#ifndef STROWGER_G722_H
#define STROWGER_G722_H

#include <stdint.h>

/* One sub-band's adaptive predictor and scale factor state (blocks 3 and 4 of the Recommendation). */
typedef struct {
  int32_t s;        /* predictor output SL/SH */
  int32_t sz;       /* zero-section output SZL/SZH */
  int32_t r[3];     /* reconstructed signal RLT/RH: r[1]=t-1, r[2]=t-2 */
  int32_t p[3];     /* partially reconstructed signal PLT/PH */
  int32_t a[3];     /* pole coefficients AL1/AL2 (a[1], a[2]) */
  /* Zero section as 8 x int16 (lanes 0..5 = i 1..6, lanes 6, 7 stay 0) for SIMD: */
  int16_t bz[8] __attribute__((aligned(16))); /* zero coefficients BL1..BL6 */
  int16_t dz[8] __attribute__((aligned(16))); /* quantised difference history DLT1..DLT6 */
  int32_t nb;       /* log scale factor NBL/NBH */
  int32_t det;      /* scale factor DETL/DETH */
} stw_g722_band_t;

typedef struct {
  stw_g722_band_t band[2]; /* 0 = lower, 1 = higher sub-band */
  /* QMF delay lines as two streams of 12 (even and odd taps), each stored twice in a row so the
   * 12 newest values are always contiguous at [pos, pos + 12), newest first. */
  int16_t qa[24];
  int16_t qb[24];
  int qpos;
} stw_g722_state_t;

void stw_g722_init(stw_g722_state_t *st);

/* Encode n 16 kHz samples (n even) into n/2 code bytes (IH << 6 | IL). Returns bytes written. */
int stw_g722_encode(stw_g722_state_t *st, const int16_t *pcm, int n, uint8_t *out);

/* Decode n code bytes into 2n 16 kHz samples. Returns samples written. */
int stw_g722_decode(stw_g722_state_t *st, const uint8_t *codes, int n, int16_t *out);

#endif
