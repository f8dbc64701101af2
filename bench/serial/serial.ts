/**
 * Scenario 5 of issue 7, the serial path: the serial bridge (its own process, `--mode serial`) reading a
 * pseudo-terminal made by socat, while this process plays the device on the other end and writes
 * `seq,value\n` lines paced at a real baud rate (9 600 and 115 200: 8N1 is 10 bits a byte on the wire, so
 * the theoretical line rate is baud / 10 / bytes per line), and then unpaced (as fast as the pty takes
 * them). The bridge's own `raw` hop counts the samples it published; one channel, so samples = lines.
 *
 * The unpaced parse throughput of the line intake (`createLineIntake`: parse, validate, count, watch for
 * a baud mismatch) is measured in process too, next to a baseline in the same run: `split(',')` and
 * `Number()` with no validation at all.
 *
 * Needs socat; without it the pty cases are skipped (and reported as such). Run:
 * `node --conditions=sluice-src --import tsx bench/serial/serial.ts [--quick]`
 * Writes `bench/results/serial.json`.
 */
import { open } from 'node:fs/promises'
import { createLineIntake } from '@sluice/serial-bridge'
import { createPtyPair, findProgram } from '@sluice/testkit'
import { startMesh } from '../lib/mesh.js'
import { launchMode, monitorProcesses, procColumns, sleep } from '../lib/procs.js'
import { opsPerSecond, writeResult, type BenchRow } from '../lib/results.js'

const quick = process.argv.includes('--quick')
const MEASURE_S = quick ? 4 : 8
const rows: BenchRow[] = []

// 1. Parse throughput in process.
const lines = Array.from({ length: 10_000 }, (_, i) => `${i},${500 + (i % 97)}`)
let sink = 0
const baseline = opsPerSecond(() => {
  for (const l of lines) {
    const parts = l.split(',')
    sink += Number(parts[0]) + Number(parts[1])
  }
}, lines.length)
const intake = createLineIntake({ channels: ['light'], ranges: { light: { min: 0, max: 1023 } } })
let t = 0
const parsed = opsPerSecond(() => {
  for (const l of lines) {
    const r = intake.accept(l, t++)
    if (r.kind === 'sample') sink += r.seq
  }
}, lines.length)
if (sink === -1) console.log('')
rows.push({ case: 'baseline: split + Number, no validation', value: baseline, unit: 'lines/s' })
rows.push({
  case: 'line intake (parse, validate, count, mismatch watch)',
  value: parsed,
  unit: 'lines/s',
  'vs baseline': Math.round((parsed / baseline) * 100) / 100,
})
console.log(
  `parse: baseline ${Math.round(baseline)} lines/s, line intake ${Math.round(parsed)} lines/s`,
)

// 2. Through a pty, paced and unpaced.
if (!findProgram('socat').available) {
  console.log('socat not found: pty cases skipped')
  rows.push({ case: 'pty cases skipped: socat not installed', value: NaN, unit: 'lines/s' })
} else {
  for (const baud of [9600, 115_200, 0]) {
    const pty = await createPtyPair()
    const mesh = await startMesh({
      services: ['serial-bridge'],
      args: {
        'serial-bridge': [
          '--mode',
          'serial',
          '--port',
          pty.a,
          '--baud',
          String(baud === 0 ? 115_200 : baud),
          '--resetDelayMs',
          '0',
          '--channels',
          'light',
        ],
      },
    })
    const device = await open(pty.b, 'r+')
    let seq = 0
    let bytes = 0
    let running = true
    const start = performance.now()
    // Paced: every 5 ms, write the whole lines that the wire would have carried by now.
    const writer = (async () => {
      while (running) {
        let chunk = ''
        if (baud === 0) {
          for (let i = 0; i < 500; i++) chunk += `${seq++},${500 + (seq % 97)}\n`
        } else {
          const due = ((performance.now() - start) / 1000) * (baud / 10)
          while (bytes + chunk.length < due) chunk += `${seq++},${500 + (seq % 97)}\n`
        }
        if (chunk !== '') {
          bytes += chunk.length
          await device.write(chunk)
        }
        if (baud !== 0 || chunk === '') await sleep(5)
      }
    })()
    const monitor = monitorProcesses(
      new Map([['serial-bridge', mesh.procs.get('serial-bridge')!.pid]]),
    )
    await sleep(2000)
    const a = await mesh.probe.nextMetrics('serial-bridge')
    const w0 = { seq, at: performance.now() }
    monitor.mark()
    await sleep(MEASURE_S * 1000)
    const b = await mesh.probe.nextMetrics('serial-bridge')
    const w1 = { seq, at: performance.now() }
    const usage = monitor.summary()
    monitor.stop()
    running = false
    await writer
    await device.close()
    await mesh.stop()
    await pty.stop()
    const published = (b.hops.raw!.in - a.hops.raw!.in) / ((b.t - a.t) / 1000)
    const written = (w1.seq - w0.seq) / ((w1.at - w0.at) / 1000)
    const meanLine = bytes / seq
    const theoretical = baud === 0 ? NaN : baud / 10 / meanLine
    rows.push({
      case: baud === 0 ? 'pty, unpaced' : `pty at ${baud} baud`,
      value: published,
      unit: 'lines/s',
      theoretical: baud === 0 ? 'n/a' : Math.round(theoretical),
      'vs theoretical': baud === 0 ? 'n/a' : Math.round((published / theoretical) * 100) / 100,
      written: Math.round(written),
      'bytes/line': Math.round(meanLine * 10) / 10,
      ...procColumns(usage),
    })
    console.log(
      `${baud === 0 ? 'unpaced' : `${baud} baud`}: bridge published ${Math.round(published)} lines/s (written ${Math.round(written)}/s, theoretical ${Math.round(theoretical)})`,
    )
  }
}
writeResult(
  'serial',
  `node --conditions=sluice-src --import tsx bench/serial/serial.ts${quick ? ' --quick' : ''} (bridge from ${launchMode()})`,
  rows,
)
