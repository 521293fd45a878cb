/*
 * ITU-T G.722 64 kbit/s (mode 1) encoder and decoder, written from the Recommendation's
 * computational block descriptions (block names below are the Recommendation's):
 *   QMF           transmit and receive quadrature mirror filters (24 coefficients)
 *   lower band    SUBTRA, QUANTL (6-bit), INVQAL (4-bit), LOGSCL, SCALEL, block 4
 *   higher band   SUBTRA, QUANTH (2-bit), INVQAH, LOGSCH, SCALEH, block 4
 *   decoders      INVQBL (6-bit, mode 1), RECONS, LIMIT
 *   block 4       adaptive predictor: PARREC, RECONS, UPPOL2, UPPOL1, UPZERO, DELAYA, FILTEP,
 *                 FILTEZ, PREDIC (shared by both sub-bands)
 * Fixed-point rules follow the Recommendation: 16-bit words, products shifted right by 15
 * (arithmetic), saturation where the block descriptions limit a value.
 */
#include <string.h>
#if defined(__SSE2__) && !defined(STW_NO_SIMD)
#include <emmintrin.h>
#endif
#include "g722.h"

/* QMF coefficients h0..h23 (scaled by 2^13; h(23-i) = h(i)), split by parity:
 * H_EVEN[i] = h(2i), H_ODD[i] = h(2i+1). */
static const int16_t H_EVEN[12] = {3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11};
static const int16_t H_ODD[12] = {-11, 53, -156, 362, -805, 3876, 951, -210, 32, 12, -11, 3};

/* Push one value into each QMF stream; returns the window start (newest first). */
static inline int qmf_push(stw_g722_state_t *st, int16_t a, int16_t b) {
  int pos = st->qpos == 0 ? 11 : st->qpos - 1;
  st->qa[pos] = st->qa[pos + 12] = a;
  st->qb[pos] = st->qb[pos + 12] = b;
  st->qpos = pos;
  return pos;
}

/* 12-tap dot product of 16-bit values with 32-bit sums (exact: |sum| < 2^31). */
static inline int32_t dot12(const int16_t *h, const int16_t *x) {
#if defined(__SSE2__) && !defined(STW_NO_SIMD)
  __m128i p = _mm_madd_epi16(_mm_loadu_si128((const __m128i *)h), _mm_loadu_si128((const __m128i *)x));
  __m128i q = _mm_madd_epi16(_mm_loadl_epi64((const __m128i *)(h + 8)), _mm_loadl_epi64((const __m128i *)(x + 8)));
  p = _mm_add_epi32(p, q);
  p = _mm_add_epi32(p, _mm_shuffle_epi32(p, _MM_SHUFFLE(1, 0, 3, 2)));
  p = _mm_add_epi32(p, _mm_shuffle_epi32(p, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(p);
#else
  int32_t s = 0;
  for (int i = 0; i < 12; i++) s += (int32_t)h[i] * x[i];
  return s;
#endif
}

/* QUANTL decision levels Q6 and the 6-bit code for each interval by sign. */
static const int32_t Q6[31] __attribute__((unused)) = {
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714,
  786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0,
};
static const uint8_t IL[2][31] = {
  { /* ILP: EL >= 0 */
    0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47,
    46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32,
  },
  { /* ILN: EL < 0 */
    0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
    18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
  },
};
/* INVQAL: 4-bit inverse quantiser outputs QM4. */
static const int32_t QM4[16] = {
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
  20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
};
/* INVQBL, 64 kbit/s: 6-bit inverse quantiser outputs QM6. */
static const int32_t QM6[64] = {
  -136, -136, -136, -136, -24808, -21904, -19008, -16704,
  -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
  -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
  -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
  24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
  10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
  4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
  1688, 1360, 1040, 728, 432, 136, -432, -136,
};
/* LOGSCL: RL42 maps the 4-bit code to a magnitude index, WL the log-scale increment. */
static const uint8_t RL42[16] = {0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0};
static const int32_t WL[8] = {-60, -30, 58, 172, 334, 538, 1198, 3042};
/* Higher sub-band: QUANTH codes, INVQAH outputs QM2, LOGSCH increments. */
static const uint8_t IH[2][3] = {{0, 3, 2} /* IHP */, {0, 1, 0} /* IHN */};
static const int32_t QM2[4] = {-7408, -1616, 7408, 1616};
static const uint8_t RH2[4] = {2, 1, 2, 1};
static const int32_t WH[3] = {0, -214, 798};
/* SCALEL/SCALEH: antilog table ILB. */
static const int32_t ILB[32] = {
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
  2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
};

static inline int32_t sat16(int32_t x) {
  return x > 32767 ? 32767 : (x < -32768 ? -32768 : x);
}

/* LIMIT: the reconstructed sub-band signals are 15-bit. */
static inline int32_t limit15(int32_t x) {
  return x > 16383 ? 16383 : (x < -16384 ? -16384 : x);
}

static void band_init(stw_g722_band_t *b, int32_t det) {
  memset(b, 0, sizeof *b);
  b->det = det;
}

void stw_g722_init(stw_g722_state_t *st) {
  memset(st, 0, sizeof *st);
  band_init(&st->band[0], 32); /* DETL initial value */
  band_init(&st->band[1], 8);  /* DETH initial value */
}

/* SCALEL (shift 8) / SCALEH (shift 10): DET = ILB(NB mod 64 >> 6) scaled by NB >> 11, times 4. */
static inline int32_t scale_factor(int32_t nb, int shift) {
  int32_t wd1 = (nb >> 6) & 31;
  int32_t wd2 = shift - (nb >> 11);
  int32_t wd3 = wd2 < 0 ? ILB[wd1] << -wd2 : ILB[wd1] >> wd2;
  return wd3 << 2;
}

/* Block 4: update the adaptive predictor with the quantised difference d, leave the next
 * prediction in b->s (and the zero-section part in b->sz). */
static inline __attribute__((always_inline)) void block4(stw_g722_band_t *b, int32_t d) {
  /* RECONS, PARREC */
  int32_t r0 = sat16(b->s + d);
  int32_t p0 = sat16(b->sz + d);

  /* UPPOL2: a2 <- (1-2^-7) a2 + 2^-7 (sgn p0 p2 - f(a1) sgn p0 p1), |a2| <= 0.75 */
  int sg0 = p0 < 0, sg1 = b->p[1] < 0, sg2 = b->p[2] < 0;
  int32_t wd1 = sat16(b->a[1] * 4);
  int32_t same = -(int32_t)(sg0 == sg1); /* all ones when sgn p0 = sgn p1 */
  int32_t wd2 = (sat16(-wd1) & same) | (wd1 & ~same); /* negation saturates: -(-32768) = 32767 */
  wd2 >>= 7;
  int32_t wd3 = 128 - 256 * (sg0 != sg2);
  int32_t ap2 = wd2 + wd3 + ((b->a[2] * 32512) >> 15);
  if (ap2 > 12288) ap2 = 12288;
  else if (ap2 < -12288) ap2 = -12288;

  /* UPPOL1: a1 <- (1-2^-8) a1 + 3 2^-8 sgn p0 p1, |a1| <= 1 - 2^-4 - a2 */
  wd1 = 192 - 384 * (sg0 != sg1);
  int32_t ap1 = sat16(wd1 + ((b->a[1] * 32640) >> 15));
  wd3 = sat16(15360 - ap2);
  if (ap1 > wd3) ap1 = wd3;
  else if (ap1 < -wd3) ap1 = -wd3;

  /* UPZERO: b_i <- (1-2^-8) b_i + 2^-7 sgn d0 d_i; then DELAYA; then FILTEZ:
   * SZ = sum (b_i * (d_i + d_i)) >> 15 over the new b and d. |DLT| <= 16384 * 20456 >> 15 = 10228
   * (DETL <= 16384, largest QM4), |DH| <= 3704: d and d + d fit 16 bits unlimited. */
  wd1 = d == 0 ? 0 : 128;
#if defined(__SSE2__) && !defined(STW_NO_SIMD)
  {
    const __m128i zero = _mm_setzero_si128();
    const __m128i keep6 = _mm_set_epi16(0, 0, -1, -1, -1, -1, -1, -1);
    __m128i D = _mm_load_si128((const __m128i *)b->dz);
    __m128i B = _mm_load_si128((const __m128i *)b->bz);
    __m128i m = _mm_srai_epi16(_mm_xor_si128(D, _mm_set1_epi16((int16_t)d)), 15); /* -1: signs differ */
    __m128i w = _mm_set1_epi16((int16_t)wd1);
    __m128i inc = _mm_sub_epi16(_mm_xor_si128(w, m), m);
    /* (b * 32640) >> 15 = b - ceil(b / 256) exactly; ceil = (b >> 8) + (low byte != 0) */
    __m128i lowz = _mm_cmpeq_epi16(_mm_and_si128(B, _mm_set1_epi16(255)), zero);
    __m128i ceil = _mm_sub_epi16(_mm_srai_epi16(B, 8), _mm_andnot_si128(lowz, _mm_set1_epi16(-1)));
    B = _mm_and_si128(_mm_adds_epi16(_mm_sub_epi16(B, ceil), inc), keep6); /* sat16(inc + ...) */
    D = _mm_and_si128(_mm_insert_epi16(_mm_slli_si128(D, 2), d, 0), keep6);  /* DELAYA */
    _mm_store_si128((__m128i *)b->bz, B);
    _mm_store_si128((__m128i *)b->dz, D);
    __m128i D2 = _mm_add_epi16(D, D);
    __m128i lo = _mm_mullo_epi16(B, D2), hi = _mm_mulhi_epi16(B, D2);
    __m128i s4 = _mm_add_epi32(_mm_srai_epi32(_mm_unpacklo_epi16(lo, hi), 15), _mm_srai_epi32(_mm_unpackhi_epi16(lo, hi), 15));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, _MM_SHUFFLE(1, 0, 3, 2)));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, _MM_SHUFFLE(2, 3, 0, 1)));
    b->sz = sat16(_mm_cvtsi128_si32(s4));
  }
#else
  for (int i = 0; i < 6; i++) {
    int32_t m = (b->dz[i] ^ d) >> 31; /* -1 when the signs differ */
    int32_t inc = (wd1 ^ m) - m;
    b->bz[i] = (int16_t)sat16(inc + ((b->bz[i] * 32640) >> 15));
  }
  for (int i = 5; i > 0; i--) b->dz[i] = b->dz[i - 1];
  b->dz[0] = (int16_t)d;
  int32_t sz = 0;
  for (int i = 5; i >= 0; i--) sz += (b->bz[i] * (b->dz[i] * 2)) >> 15;
  b->sz = sat16(sz);
#endif

  /* DELAYA (pole section) */
  b->r[2] = b->r[1];
  b->r[1] = r0;
  b->p[2] = b->p[1];
  b->p[1] = p0;
  b->a[1] = ap1;
  b->a[2] = ap2;

  /* FILTEP */
  int32_t sp = sat16(((b->a[1] * sat16(b->r[1] * 2)) >> 15) + ((b->a[2] * sat16(b->r[2] * 2)) >> 15));

  /* PREDIC */
  b->s = sat16(sp + b->sz);
}

/* QUANTL interval: the first MIL in 1..29 with WD < (Q6(MIL) * DETL) >> 12, else 30. The
 * thresholds rise with MIL, so MIL = 1 + the number of thresholds WD reaches. That count is taken
 * without branches (the error's sign and size are unpredictable): with SSE2 all 29 thresholds come
 * from 8 pmaddwd (Q6 < 2^12, DETL <= 2^14: exact), which also keeps the multiplies off the
 * critical path through the predictor; otherwise a branch-free binary search. */
#if defined(__SSE2__) && !defined(STW_NO_SIMD)
/* Q6(1..29) interleaved with zeros for pmaddwd, padded with Q6 = 0 (threshold 0: always reached). */
static const int16_t Q6_PAIRS[64] __attribute__((aligned(16))) = {
  35, 0, 72, 0, 110, 0, 150, 0, 190, 0, 233, 0, 276, 0, 323, 0,
  370, 0, 422, 0, 473, 0, 530, 0, 587, 0, 650, 0, 714, 0, 786, 0,
  858, 0, 940, 0, 1023, 0, 1121, 0, 1219, 0, 1339, 0, 1458, 0, 1612, 0,
  1765, 0, 1980, 0, 2195, 0, 2557, 0, 2919, 0, 0, 0, 0, 0, 0, 0,
};
static inline int quantl_interval(int32_t wd, int32_t det) {
  const __m128i d = _mm_set1_epi32(det); /* (det, 0) pairs: pmaddwd gives Q6 * det per lane */
  const __m128i w = _mm_set1_epi32(wd);
  __m128i count = _mm_setzero_si128();
  for (int k = 0; k < 8; k++) {
    __m128i thr = _mm_srai_epi32(_mm_madd_epi16(_mm_load_si128((const __m128i *)Q6_PAIRS + k), d), 12);
    count = _mm_sub_epi32(count, _mm_cmpgt_epi32(thr, w)); /* +1 where WD < threshold */
  }
  count = _mm_add_epi32(count, _mm_shuffle_epi32(count, _MM_SHUFFLE(1, 0, 3, 2)));
  count = _mm_add_epi32(count, _mm_shuffle_epi32(count, _MM_SHUFFLE(2, 3, 0, 1)));
  return 30 - _mm_cvtsi128_si32(count); /* 1 + (29 - thresholds above WD) */
}
#else
static inline int quantl_interval(int32_t wd, int32_t det) {
  int pos = 0;
  for (int step = 16; step > 0; step >>= 1) {
    int i = pos + step;
    int ic = i > 29 ? 29 : i;
    int take = (i <= 29) & (wd >= ((Q6[ic] * det) >> 12));
    pos += step & -take;
  }
  return pos + 1;
}
#endif

static inline int encode_lower(stw_g722_band_t *b, int32_t xl) {
  int32_t el = sat16(xl - b->s);                /* SUBTRA */
  int32_t wd = el >= 0 ? el : -(el + 1);        /* QUANTL: magnitude (one's complement) */
  int mil = quantl_interval(wd, b->det);
  int il = IL[el < 0][mil];
  int ril = il >> 2;
  int32_t dlt = (b->det * QM4[ril]) >> 15;      /* INVQAL */
  int32_t nb = ((b->nb * 32512) >> 15) + WL[RL42[ril]]; /* LOGSCL */
  if (nb < 0) nb = 0;
  else if (nb > 18432) nb = 18432;
  b->nb = nb;
  b->det = scale_factor(nb, 8);                 /* SCALEL */
  block4(b, dlt);
  return il;
}

static inline int encode_higher(stw_g722_band_t *b, int32_t xh) {
  int32_t eh = sat16(xh - b->s);
  int32_t wd = eh >= 0 ? eh : -(eh + 1);
  int mih = wd >= ((564 * b->det) >> 12) ? 2 : 1; /* QUANTH */
  int ih = IH[eh < 0][mih];
  int32_t dh = (b->det * QM2[ih]) >> 15;          /* INVQAH */
  int32_t nb = ((b->nb * 32512) >> 15) + WH[RH2[ih]]; /* LOGSCH */
  if (nb < 0) nb = 0;
  else if (nb > 22528) nb = 22528;
  b->nb = nb;
  b->det = scale_factor(nb, 10);                  /* SCALEH */
  block4(b, dh);
  return ih;
}

int stw_g722_encode(stw_g722_state_t *st, const int16_t *pcm, int n, uint8_t *out) {
  int k = 0;
  for (int j = 0; j + 1 < n; j += 2) {
    /* Transmit QMF: xA = sum h(2i) x(j-2i), xB = sum h(2i+1) x(j-2i-1), with x(j) = pcm[j+1]
     * the newer sample of the pair. */
    int pos = qmf_push(st, pcm[j + 1], pcm[j]);
    int32_t xa = dot12(H_EVEN, st->qa + pos);
    int32_t xb = dot12(H_ODD, st->qb + pos);
    int32_t xl = (xa + xb) >> 14;
    int32_t xh = (xa - xb) >> 14;
    int il = encode_lower(&st->band[0], xl);
    int ih = encode_higher(&st->band[1], xh);
    out[k++] = (uint8_t)((ih << 6) | il);
  }
  return k;
}

int stw_g722_decode(stw_g722_state_t *st, const uint8_t *codes, int n, int16_t *out) {
  int k = 0;
  for (int j = 0; j < n; j++) {
    int il = codes[j] & 63;
    int ih = codes[j] >> 6;
    stw_g722_band_t *lo = &st->band[0];
    stw_g722_band_t *hi = &st->band[1];

    /* Lower sub-band: INVQBL (6-bit) for the output, INVQAL (4-bit) for adaptation. */
    int32_t rl = limit15(lo->s + ((lo->det * QM6[il]) >> 15));
    int ril = il >> 2;
    int32_t dlt = (lo->det * QM4[ril]) >> 15;
    int32_t nb = ((lo->nb * 32512) >> 15) + WL[RL42[ril]];
    if (nb < 0) nb = 0;
    else if (nb > 18432) nb = 18432;
    lo->nb = nb;
    lo->det = scale_factor(nb, 8);
    block4(lo, dlt);

    /* Higher sub-band */
    int32_t dh = (hi->det * QM2[ih]) >> 15;
    int32_t rh = limit15(hi->s + dh);
    nb = ((hi->nb * 32512) >> 15) + WH[RH2[ih]];
    if (nb < 0) nb = 0;
    else if (nb > 22528) nb = 22528;
    hi->nb = nb;
    hi->det = scale_factor(nb, 10);
    block4(hi, dh);

    /* Receive QMF: xout(j) = 2 sum h(2i) xd(j-i), xout(j+1) = 2 sum h(2i+1) xs(j-i) */
    /* rl, rh are 15-bit (LIMIT), so their sum and difference fit 16 bits. */
    int pos = qmf_push(st, (int16_t)(rl - rh), (int16_t)(rl + rh));
    int32_t xo1 = dot12(H_EVEN, st->qa + pos);
    int32_t xo2 = dot12(H_ODD, st->qb + pos);
    out[k++] = (int16_t)sat16(xo1 >> 11);
    out[k++] = (int16_t)sat16(xo2 >> 11);
  }
  return k;
}
