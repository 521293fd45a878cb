/* ITU-T G.711 µ-law and A-law on 16-bit linear PCM (mapping documented in g711.c). */
#ifndef STROWGER_G711_H
#define STROWGER_G711_H

#include <stdint.h>

void stw_g711_init(void); /* builds the lookup tables; call once before use */
void stw_ulaw_encode(const int16_t *pcm, int n, uint8_t *out);
void stw_ulaw_decode(const uint8_t *codes, int n, int16_t *out);
void stw_alaw_encode(const int16_t *pcm, int n, uint8_t *out);
void stw_alaw_decode(const uint8_t *codes, int n, int16_t *out);
uint8_t stw_ulaw_encode1(int16_t x);
uint8_t stw_alaw_encode1(int16_t x);

#endif
