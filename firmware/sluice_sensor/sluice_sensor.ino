/*
 * sluice_sensor.ino - Sluice sensor sketch for an Arduino Uno or Nano (ATmega328P).
 *
 * Samples a light sensor on A0 (and a TMP36 on A1) and prints one line per sample for the Sluice serial
 * bridge: "<seq>,<light>,<temp>*XX" at 115200 baud, 10 samples per second by default. Send "R<hz>\n" to
 * change the rate; the sketch answers "OK R<hz>". Settings are in sluice_config.h.
 *
 * All logic lives in sluice_core.c and talks to the board through sluice_hal.h (implemented here by
 * hal_arduino.cpp), so the same code also builds without the Arduino core: see firmware/host/.
 */
#include "sluice_core.h"

void setup() {
  sluice_setup();
}

void loop() {
  sluice_loop();
}
