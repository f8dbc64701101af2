/*
 * sluice_synth.c - the synthetic sensor (see sluice_synth.h). Integer arithmetic only: no floating point
 * library on the AVR, and results identical to firmware/src/synthetic.ts on the host. Divisions of negative
 * numbers truncate toward zero (C99 6.5.5), which the TypeScript twin reproduces with Math.trunc.
 */
#include "sluice_synth.h"

#ifdef __AVR__
#include <avr/pgmspace.h>
#define SINE_AT(i) ((int16_t)pgm_read_word(&sine64[(i)]))
#else
#define PROGMEM
#define SINE_AT(i) (sine64[(i)])
#endif

/* round(1000 * sin(2 * pi * i / 64)), i = 0..63; kept in flash on the AVR. */
static const int16_t sine64[64] PROGMEM = {
    0,    98,   195,  290,  383,  471,  556,  634,  707,  773,  831,  882,  924,  957,  981,  995,
    1000, 995,  981,  957,  924,  882,  831,  773,  707,  634,  556,  471,  383,  290,  195,  98,
    0,    -98,  -195, -290, -383, -471, -556, -634, -707, -773, -831, -882, -924, -957, -981, -995,
    -1000, -995, -981, -957, -924, -882, -831, -773, -707, -634, -556, -471, -383, -290, -195, -98};

/* 1000 * sin(2 * pi * phase / 256), phase = 0..255, linearly interpolated between table entries. */
static int16_t sine256(uint8_t phase) {
  uint8_t i = phase >> 2;
  int16_t a = SINE_AT(i);
  int16_t b = SINE_AT((uint8_t)((i + 1u) & 63u));
  return (int16_t)(a + ((int16_t)(b - a) * (int16_t)(phase & 3u)) / 4);
}

/* Knuth's multiplicative hash, folded: cheap, deterministic noise for each sequence number. */
static uint32_t noise_hash(uint32_t seq) {
  uint32_t h = seq * 2654435761UL;
  return h ^ (h >> 16);
}

uint16_t synth_light(uint32_t seq) {
  uint16_t c = (uint16_t)(seq % SLUICE_SYNTH_CYCLE);
  int16_t noise = (int16_t)(noise_hash(seq) % 21u) - 10;
  int16_t v = (int16_t)(500 + sine256((uint8_t)(seq & 255u)) / 5 + noise);
  if (c == 100u || c == 356u) {
    v += 400; /* spike */
  } else if (c >= 200u && c < 300u) {
    v += 180; /* level shift */
  } else if (c >= 400u) {
    v += (int16_t)(((c - 400u) * 3u) / 2u); /* drift */
  }
  if (v < 0) v = 0;
  if (v > 1023) v = 1023;
  return (uint16_t)v;
}

int16_t synth_temp_tenths(uint32_t seq) {
  uint16_t c = (uint16_t)(seq % SLUICE_SYNTH_CYCLE);
  int16_t noise = (int16_t)((noise_hash(seq) >> 8) % 3u) - 1;
  int16_t t = (int16_t)(215 + sine256((uint8_t)((seq >> 1) & 255u)) / 50 + noise);
  if (c == 228u) t += 60; /* spike */
  return t;
}
