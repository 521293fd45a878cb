/*
 * Polyphase FIR resampler for the integer ratios between 8, 16 and 48 kHz.
 *
 * One linear-phase low-pass prototype per ratio R (R = 2, 3 or 6), designed at the high rate:
 *   h[n] = w[n] * sin(2 pi fc (n - c)) / (pi (n - c)),  n = 0 .. N-1,  c = (N-1)/2,  N = 2 R HALF + 1
 * with a Kaiser window w (beta BETA), cutoff fc halfway through the transition band that ends at
 * the low rate's Nyquist frequency. Because (N-1)/2 = R * HALF, the group delay is HALF samples at
 * the low rate and R * HALF at the high rate: an integer either way, so round trips line up.
 *
 *   up by L:   y[m L + p] = L * sum_k h[p + k L] x[m - k]        (L phases of HALF*2+1 taps)
 *   down by M: y[n]       = sum_k h[k] x[n M - k]                 (one output per M inputs)
 *
 * Input history (the last taps-1 samples, as float) is kept between calls, so processing in
 * 20 ms frames gives exactly the samples that one long block would.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "resampler.h"

#define HALF 20          /* taps per phase = 2 * HALF + 1 */
#define BETA 5.6         /* Kaiser beta: about 60 dB stop band */
#define PASS_EDGE 0.84   /* pass band edge as a fraction of the low rate's Nyquist */

struct stw_resampler {
  int from, to;
  int up, down;          /* exactly one is > 1, or both 1 for pass-through */
  int ntaps;             /* taps per computed output: per phase (up) or total (down) */
  int hist_len;          /* ntaps - 1 input samples kept */
  int phase;             /* down: position of the next input within its block of M (0 .. M-1) */
  float *coef;           /* up: [L][ntaps] reversed per phase; down: [ntaps] reversed */
  float *buf;            /* hist_len + capacity floats: history then the current input */
  int buf_cap;
};

static double bessel_i0(double x) {
  double sum = 1.0, term = 1.0, q = x * x / 4.0;
  for (int k = 1; k < 50; k++) {
    term *= q / ((double)k * k);
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/* Prototype of length n = 2 R HALF + 1 at the high rate, DC gain 1. */
static double *design(int ratio, int *len) {
  int n = 2 * ratio * HALF + 1;
  double *h = malloc(sizeof(double) * (size_t)n);
  if (!h) return NULL;
  double c = (n - 1) / 2.0;
  /* Normalised to the high rate: the low Nyquist is 0.5 / ratio; cutoff mid-transition. */
  double fc = 0.5 / ratio * (1.0 + PASS_EDGE) / 2.0;
  double i0b = bessel_i0(BETA), sum = 0;
  for (int i = 0; i < n; i++) {
    double t = i - c;
    double s = t == 0 ? 2 * fc : sin(2 * M_PI * fc * t) / (M_PI * t);
    double u = t / c;
    double w = bessel_i0(BETA * sqrt(1.0 - u * u)) / i0b;
    h[i] = s * w;
    sum += h[i];
  }
  for (int i = 0; i < n; i++) h[i] /= sum;
  *len = n;
  return h;
}

stw_resampler_t *stw_resampler_new(int from_rate, int to_rate) {
  int ok_rate = (from_rate == 8000 || from_rate == 16000 || from_rate == 48000) &&
                (to_rate == 8000 || to_rate == 16000 || to_rate == 48000);
  if (!ok_rate) return NULL;
  stw_resampler_t *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->from = from_rate;
  r->to = to_rate;
  r->up = to_rate > from_rate ? to_rate / from_rate : 1;
  r->down = from_rate > to_rate ? from_rate / to_rate : 1;
  if (r->up == 1 && r->down == 1) return r;
  int ratio = r->up > 1 ? r->up : r->down;
  int n;
  double *h = design(ratio, &n);
  if (!h) {
    free(r);
    return NULL;
  }
  if (r->up > 1) {
    int L = r->up;
    r->ntaps = 2 * HALF + 1; /* ceil(n / L): phase 0 has 2 HALF + 1 taps, others 2 HALF (zero-padded) */
    r->coef = calloc((size_t)L * r->ntaps, sizeof(float));
    if (r->coef) {
      for (int p = 0; p < L; p++) {
        /* Store phase p reversed so the inner loop walks the history forwards:
         * coef[p][j] multiplies x[m - (ntaps-1) + j] = x[m - k] with k = ntaps-1-j. */
        for (int j = 0; j < r->ntaps; j++) {
          int k = r->ntaps - 1 - j;
          int idx = p + k * L;
          r->coef[p * r->ntaps + j] = idx < n ? (float)(h[idx] * L) : 0.0f;
        }
      }
    }
  } else {
    r->ntaps = n;
    r->coef = calloc((size_t)n, sizeof(float));
    if (r->coef)
      for (int j = 0; j < n; j++) r->coef[j] = (float)h[n - 1 - j];
  }
  free(h);
  if (!r->coef) {
    free(r);
    return NULL;
  }
  r->hist_len = r->ntaps - 1;
  return r;
}

void stw_resampler_free(stw_resampler_t *r) {
  if (!r) return;
  free(r->coef);
  free(r->buf);
  free(r);
}

void stw_resampler_reset(stw_resampler_t *r) {
  r->phase = 0;
  if (r->buf) memset(r->buf, 0, sizeof(float) * (size_t)r->hist_len);
}

int stw_resampler_from_rate(const stw_resampler_t *r) { return r->from; }
int stw_resampler_to_rate(const stw_resampler_t *r) { return r->to; }

int stw_resampler_max_out(const stw_resampler_t *r, int n) {
  if (r->up > 1) return n * r->up;
  return (n + r->down - 1) / r->down;
}

int stw_resampler_delay(const stw_resampler_t *r) {
  if (r->up > 1) return r->up * HALF;
  if (r->down > 1) return HALF;
  return 0;
}

static inline int16_t to_i16(float v) {
  if (v >= 32767.0f) return 32767;
  if (v <= -32768.0f) return -32768;
  return (int16_t)lrintf(v);
}

static inline float dot(const float *a, const float *b, int n) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; i++) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

int stw_resampler_process(stw_resampler_t *r, const int16_t *in, int n, int16_t *out, int out_cap) {
  if (n <= 0) return 0;
  if (r->up == 1 && r->down == 1) {
    if (out_cap < n) return -1;
    memcpy(out, in, sizeof(int16_t) * (size_t)n);
    return n;
  }
  int need_out;
  if (r->up > 1) {
    need_out = n * r->up;
  } else {
    int first = (r->down - r->phase) % r->down; /* index of the first input that emits */
    need_out = first < n ? (n - 1 - first) / r->down + 1 : 0;
  }
  if (out_cap < need_out) return -1;
  if (r->buf_cap < n) {
    float *nb = realloc(r->buf, sizeof(float) * (size_t)(r->hist_len + n));
    if (!nb) return -1;
    if (!r->buf) memset(nb, 0, sizeof(float) * (size_t)r->hist_len);
    r->buf = nb;
    r->buf_cap = n;
  }
  float *x = r->buf; /* x[0 .. hist_len-1] history, then the n new samples */
  for (int i = 0; i < n; i++) x[r->hist_len + i] = (float)in[i];
  int k = 0;
  if (r->up > 1) {
    int L = r->up, T = r->ntaps;
    for (int m = 0; m < n; m++) {
      const float *win = x + m; /* the T samples ending at input m (x[hist_len + m]) */
      for (int p = 0; p < L; p++) out[k++] = to_i16(dot(r->coef + p * T, win, T));
    }
  } else {
    int M = r->down, T = r->ntaps;
    int ph = r->phase;
    for (int i = 0; i < n; i++) {
      /* Emit on inputs n M so the delay is exactly HALF output samples. */
      if (ph == 0) out[k++] = to_i16(dot(r->coef, x + i, T));
      if (++ph == M) ph = 0;
    }
    r->phase = ph;
  }
  memmove(x, x + n, sizeof(float) * (size_t)r->hist_len);
  return k;
}
