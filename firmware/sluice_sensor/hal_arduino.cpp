/*
 * hal_arduino.cpp - sluice_hal.h on the Arduino core (IDE and arduino-cli builds).
 * The plain avr-gcc build does not compile this file; it uses firmware/host/hal_avr.c instead.
 */
#ifdef ARDUINO
#include <Arduino.h>

#include "sluice_hal.h"

extern "C" {

void hal_init(uint32_t baud) {
  Serial.begin(baud);
}

uint32_t hal_micros(void) {
  return micros();
}

int16_t hal_serial_read(void) {
  return Serial.available() > 0 ? (int16_t)Serial.read() : (int16_t)-1;
}

void hal_serial_write(const char *buf, uint8_t len) {
  Serial.write(reinterpret_cast<const uint8_t *>(buf), len);
}

uint16_t hal_adc_read(uint8_t channel) {
  return (uint16_t)analogRead(A0 + channel);
}

void hal_idle(void) {
  /* Arduino's loop() returns to the core, which services Serial; nothing to wait for here. */
}

} /* extern "C" */
#endif /* ARDUINO */
