/*
 * Bench-only: our G.722 (native/src/g722.c) against libspandsp's, same frames, same process.
 * Built by test/bench/codec-g722.ts: gcc -O3 codec-g722-bench.c ../../native/src/g722.c -lspandsp
 *   prog PCMFILE FRAMES [ROUNDS] -> "ours_enc spandsp_enc ours_dec spandsp_dec" in ns per 20 ms frame
 *                                   (best of ROUNDS, default 15; ROUNDS=1 for instruction counting)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <spandsp.h>
#include "g722.h"

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  FILE *f = fopen(argv[1], "rb");
  if (!f) return 1;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  int16_t *pcm = malloc((size_t)len);
  if (fread(pcm, 1, (size_t)len, f) != (size_t)len) return 1;
  fclose(f);
  int frames = atoi(argv[2]);
  int avail = (int)(len / 2 / 320);
  uint8_t *codes = malloc((size_t)avail * 160);
  int16_t out[320];
  volatile int sink = 0;
  double best[4] = {1e30, 1e30, 1e30, 1e30};
  int rounds = argc > 3 ? atoi(argv[3]) : 15;
  for (int round = 0; round < rounds; round++) {
    stw_g722_state_t st;
    stw_g722_init(&st);
    g722_encode_state_t *e = g722_encode_init(NULL, 64000, 0);
    double t0 = now_ns();
    for (int i = 0; i < frames; i++) sink += stw_g722_encode(&st, pcm + (i % avail) * 320, 320, codes + (i % avail) * 160);
    double t1 = now_ns();
    for (int i = 0; i < frames; i++) sink += g722_encode(e, codes + (i % avail) * 160, pcm + (i % avail) * 320, 320);
    double t2 = now_ns();
    stw_g722_init(&st);
    g722_decode_state_t *d = g722_decode_init(NULL, 64000, 0);
    double t3 = now_ns();
    for (int i = 0; i < frames; i++) sink += stw_g722_decode(&st, codes + (i % avail) * 160, 160, out);
    double t4 = now_ns();
    for (int i = 0; i < frames; i++) sink += g722_decode(d, out, codes + (i % avail) * 160, 160);
    double t5 = now_ns();
    double r[4] = {(t1 - t0) / frames, (t2 - t1) / frames, (t4 - t3) / frames, (t5 - t4) / frames};
    for (int k = 0; k < 4; k++) if (r[k] < best[k]) best[k] = r[k];
    g722_encode_free(e);
    g722_decode_free(d);
  }
  printf("%.1f %.1f %.1f %.1f\n", best[0], best[1], best[2], best[3]);
  (void)sink;
  return 0;
}
