/*
 * main.c - entry point of the plain avr-gcc build: what the Arduino core's main() does for the sketch,
 * without the core (Debian's Arduino core does not compile with Debian's avr-gcc).
 */
#include "../sluice_sensor/sluice_core.h"

int main(void) {
  sluice_setup();
  for (;;) sluice_loop();
}
