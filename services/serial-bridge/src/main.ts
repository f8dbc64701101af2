#!/usr/bin/env node
import { runService } from '@sluice/mesh'
import { printPortList, serialBridgeService } from './index.js'

// `--list` prints the serial ports and exits, without a broker.
if (process.argv.includes('--list')) {
  printPortList().then(
    (code) => process.exit(code),
    () => process.exit(1),
  )
} else {
  runService(serialBridgeService)
}
