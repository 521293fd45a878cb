/*
 * ITU-T G.711 companding.
 *
 * 16-bit input: A-law quantises 13-bit uniform PCM, µ-law 14-bit. A 16-bit sample x is reduced by
 * an arithmetic shift (A-law v = x >> 3, µ-law v = x >> 2); flooring means code v stands for the
 * interval [v, v+1). The standard's decision values are symmetric about 0, so negative v is
 * quantised as the mirrored interval, magnitude ~v = -v-1 (as in the ITU-T G.191 tools).
 * Decoding gives the interval midpoint (µ-law segment 1 interval 0: 0) scaled back by << 3 / << 2.
 *
 * Encoding goes through tables indexed by v (8 Ki A-law, 16 Ki µ-law entries) built once from the
 * segment rules below.
 */
#include "g711.h"

static uint8_t ULAW_ENC[16384]; /* index: (x >> 2) & 0x3fff */
static uint8_t ALAW_ENC[8192];  /* index: (x >> 3) & 0x1fff */
static int16_t ULAW_DEC[256];
static int16_t ALAW_DEC[256];
static int ready;

/* µ-law, Table 2a: biased magnitude b = m + 33 puts segment s at [2^(s+5), 2^(s+6)). */
static uint8_t ulaw_rule(int v) {
  int m = v < 0 ? ~v : v;
  int top = v < 0 ? 0x7f : 0xff;
  int b = m + 33;
  if (b > 8191) b = 8191; /* overload: last interval (decision value 8159) */
  int seg = 0;
  while (b >= (64 << seg)) seg++;
  int q = (b >> (seg + 1)) - 16;
  return (uint8_t)(top - ((seg << 4) | q));
}

static int16_t ulaw_expand(uint8_t code) {
  int t = ~code & 0x7f;
  int seg = t >> 4, q = t & 15;
  int y = (((q << 1) + 33) << seg) - 33;
  return (int16_t)((code & 0x80) ? (y << 2) : -(y << 2));
}

/* A-law, Table 1a: segment 0 and 1 step 2 over [0, 64), then doubling; even bits inverted. */
static uint8_t alaw_rule(int v) {
  int m = v < 0 ? ~v : v;
  int sign = v < 0 ? 0x00 : 0x80;
  int seg, q;
  if (m < 32) {
    seg = 0;
    q = m >> 1;
  } else {
    seg = 1;
    while (m >= (64 << (seg - 1))) seg++;
    q = (m >> seg) & 15;
  }
  return (uint8_t)((sign | (seg << 4) | q) ^ 0x55);
}

static int16_t alaw_expand(uint8_t code) {
  int t = code ^ 0x55;
  int seg = (t >> 4) & 7, q = t & 15;
  int y = seg == 0 ? (q << 1) + 1 : ((q << 1) + 33) << (seg - 1);
  return (int16_t)((t & 0x80) ? (y << 3) : -(y << 3));
}

void stw_g711_init(void) {
  if (ready) return;
  for (int i = 0; i < 16384; i++) ULAW_ENC[i] = ulaw_rule(i >= 8192 ? i - 16384 : i);
  for (int i = 0; i < 8192; i++) ALAW_ENC[i] = alaw_rule(i >= 4096 ? i - 8192 : i);
  for (int i = 0; i < 256; i++) {
    ULAW_DEC[i] = ulaw_expand((uint8_t)i);
    ALAW_DEC[i] = alaw_expand((uint8_t)i);
  }
  ready = 1;
}

uint8_t stw_ulaw_encode1(int16_t x) { return ULAW_ENC[(x >> 2) & 0x3fff]; }
uint8_t stw_alaw_encode1(int16_t x) { return ALAW_ENC[(x >> 3) & 0x1fff]; }

void stw_ulaw_encode(const int16_t *pcm, int n, uint8_t *out) {
  for (int i = 0; i < n; i++) out[i] = ULAW_ENC[(pcm[i] >> 2) & 0x3fff];
}
void stw_alaw_encode(const int16_t *pcm, int n, uint8_t *out) {
  for (int i = 0; i < n; i++) out[i] = ALAW_ENC[(pcm[i] >> 3) & 0x1fff];
}
void stw_ulaw_decode(const uint8_t *codes, int n, int16_t *out) {
  for (int i = 0; i < n; i++) out[i] = ULAW_DEC[codes[i]];
}
void stw_alaw_decode(const uint8_t *codes, int n, int16_t *out) {
  for (int i = 0; i < n; i++) out[i] = ALAW_DEC[codes[i]];
}
