/**
 * @module line-device-main
 * The line device as a process: `node line-device-main.js <pty> [channels]` (see `line-device.ts`).
 */
import { runLineDevice } from './line-device.js'

const [port, channels] = process.argv.slice(2)
if (port === undefined) {
  process.stderr.write('usage: line-device-main.js <pty> [light,temp]\n')
  process.exit(2)
}
runLineDevice({ port, ...(channels === undefined ? {} : { channels: channels.split(',') }) })
