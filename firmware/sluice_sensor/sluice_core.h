/*
 * sluice_core.h - the Sluice sensor sketch logic, shared by the Arduino build (sluice_sensor.ino) and the
 * plain avr-gcc build (firmware/host/main.c).
 */
#ifndef SLUICE_CORE_H
#define SLUICE_CORE_H

#ifdef __cplusplus
extern "C" {
#endif

/* Starts the hardware layer and prints the boot line. Call once. */
void sluice_setup(void);

/* Handles pending serial commands and emits the samples that are due. Call forever. */
void sluice_loop(void);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_CORE_H */
