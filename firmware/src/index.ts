/**
 * @module @sluice/firmware
 * The host side of the Sluice Arduino sketch (`sluice_sensor/`): build it with plain `avr-gcc`, boot it
 * in `qemu-system-avr` with its serial port on a pty, and predict its synthetic waveform. The sketch itself
 * builds as is in the Arduino IDE / arduino-cli; see `firmware/README.md`.
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
export { buildFirmware, FIRMWARE_DEFAULT_RATE_HZ } from './build.js'
export { startEmulator } from './emulator.js'
export type { RunningEmulator } from './emulator.js'
export { syntheticValues } from './synthetic.js'
