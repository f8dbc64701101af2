/*
 * sluice_synth.h - a deterministic synthetic sensor with labelled anomalies.
 *
 * Built in with SLUICE_SYNTHETIC=1 in place of the ADC, because emulators (qemu-system-avr) read the ADC
 * as 0. Each value is a pure function of the sample's sequence number, so a test on the host can predict
 * every line exactly; firmware/src/synthetic.ts is the TypeScript twin and must stay in step with this
 * file (the emulator test compares the two line by line).
 *
 * Light (ADC counts, 0..1023): 500 + a sine of 256 samples' period and amplitude 200 + noise in [-10, 10],
 * with, in every cycle of 512 samples (c = seq mod 512):
 *   - spikes of +400 at c = 100 and c = 356,
 *   - a level shift of +180 for 200 <= c < 300,
 *   - a drift rising by 1.5 per sample for 400 <= c < 512 (up to +166), then back to normal.
 * Temperature (tenths of a degree C): 21.5 C + a sine of 512 samples' period and amplitude 2 C + noise in
 * [-0.1, 0.1], with a spike of +6 C at c = 228.
 */
#ifndef SLUICE_SYNTH_H
#define SLUICE_SYNTH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Length of the anomaly schedule, in samples. */
#define SLUICE_SYNTH_CYCLE 512u

/* Synthetic light value of sample `seq`, in ADC counts (0..1023). */
uint16_t synth_light(uint32_t seq);

/* Synthetic temperature of sample `seq`, in tenths of a degree Celsius. */
int16_t synth_temp_tenths(uint32_t seq);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_SYNTH_H */
