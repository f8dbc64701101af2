/*
 * sluice_config.h - compile-time settings of the Sluice sensor sketch.
 *
 * Every setting can be overridden from the command line (-DNAME=value): with plain avr-gcc through
 * firmware/host/Makefile (`make SYNTHETIC=1`), with arduino-cli through
 * `--build-property "compiler.c.extra_flags=-DSLUICE_SYNTHETIC=1"` (the IDE has no per-sketch flags, so
 * there you edit the defaults below).
 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

/* Firmware version, announced in the boot line `# sluice-fw <version> rate=<hz> channels=...`. */
#ifndef SLUICE_FW_VERSION
#define SLUICE_FW_VERSION "0.1.0"
#endif

/* Serial speed. 115200 is the bridge's default (DESIGN.md section 10). */
#ifndef SLUICE_BAUD
#define SLUICE_BAUD 115200UL
#endif

/* Sampling rate at boot, in samples per second; `R<hz>\n` changes it at run time. */
#ifndef SLUICE_DEFAULT_RATE_HZ
#define SLUICE_DEFAULT_RATE_HZ 10
#endif

/*
 * Highest accepted rate. A line like "123456,1023,23.5*4F\n" is about 20 bytes, so 115200 baud (8N1,
 * 11520 bytes/s) carries at most ~570 lines/s; above that the sketch sends as fast as the link allows.
 */
#ifndef SLUICE_MAX_RATE_HZ
#define SLUICE_MAX_RATE_HZ 1000
#endif

/*
 * How far behind its schedule the sketch may fall before it gives up catching up, in microseconds. Up to
 * this lag, due samples go out back to back, so the mean rate holds through a stall (a long print, or an
 * emulator the host descheduled); beyond it, the schedule restarts from now and the missed samples are
 * never taken (no gap in sequence numbers: they were never numbered).
 */
#ifndef SLUICE_MAX_LAG_US
#define SLUICE_MAX_LAG_US 1000000UL
#endif

/* 1: replace the ADC by a deterministic synthetic waveform with injected anomalies (sluice_synth.h).
 * Emulators such as qemu-system-avr do not model the ADC and read it as 0. */
#ifndef SLUICE_SYNTHETIC
#define SLUICE_SYNTHETIC 0
#endif

/* 1: append the `*XX` checksum (XOR of every byte before '*', as in NMEA 0183) to each sample line. */
#ifndef SLUICE_CHECKSUM
#define SLUICE_CHECKSUM 1
#endif

/* 1: sample a second, temperature channel (a TMP36 on A1: 10 mV per degree C, 500 mV at 0 degrees C). */
#ifndef SLUICE_TEMP_CHANNEL
#define SLUICE_TEMP_CHANNEL 1
#endif

/* ADC inputs of the light sensor (an LDR divider) and of the temperature sensor. */
#ifndef SLUICE_LIGHT_PIN
#define SLUICE_LIGHT_PIN 0
#endif
#ifndef SLUICE_TEMP_PIN
#define SLUICE_TEMP_PIN 1
#endif

/* ADC reference in millivolts (AVcc on an Uno or Nano). */
#ifndef SLUICE_VREF_MV
#define SLUICE_VREF_MV 5000UL
#endif

#endif /* SLUICE_CONFIG_H */
