/*
 * sluice_hal.h - the thin hardware layer under the Sluice sensor sketch.
 *
 * The sketch logic (sluice_core.c) talks to the board only through these functions, so that the same
 * logic builds in two ways:
 *   - in the Arduino IDE / arduino-cli, where hal_arduino.cpp implements them with Arduino's API
 *     (Serial, micros, analogRead);
 *   - with plain avr-gcc and avr-libc (firmware/host), where hal_avr.c drives the ATmega328P registers
 *     directly: USART0 at 115200 baud with U2X, Timer1 as a polled time base, the ADC. Debian's Arduino
 *     core does not compile with Debian's avr-gcc, and qemu-system-avr boots a bare ELF.
 */
#ifndef SLUICE_HAL_H
#define SLUICE_HAL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Starts the serial port at `baud` (8N1), the time base and the ADC. */
void hal_init(uint32_t baud);

/* Microseconds since hal_init; wraps after about 71 minutes (callers compare with unsigned differences). */
uint32_t hal_micros(void);

/* The next received byte, or -1 when none is waiting. Never blocks. */
int16_t hal_serial_read(void);

/* Sends `len` bytes; blocks until they are handed to the UART. */
void hal_serial_write(const char *buf, uint8_t len);

/* One 10-bit conversion (0..1023) of analog input `channel` against AVcc. */
uint16_t hal_adc_read(uint8_t channel);

/* Called when no sample is due; a layer may wait a little here. Both current layers return at once. */
void hal_idle(void);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_HAL_H */
