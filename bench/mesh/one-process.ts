/**
 * @module bench/mesh/one-process
 * CPU of `sluice up`'s one process (issue 16) at a fixed load: the broker and the services in one process
 * (`bench/lib/one-process.ts`), the bridge simulating one-channel devices, windowing, anomaly and the
 * forwarder (file sink), with the services reaching the broker through in-memory links (the default) or
 * through loopback sockets (`--no-in-memory`). The loads: 6 devices at 10 Hz (the 60 samples/s of `sluice
 * up`'s default), and 100 devices at 50 and 100 Hz, where the bridge sends nearly every sample in a message
 * of its own, so per-message costs (MQTT framing, the links, the broker) weigh most. Per case a 6 s warm-up,
 * then 15 s measured: the process's CPU from /proc, the samples/s windowing took, and the CPU per sample.
 *
 * To compare two builds, run it in each checkout (e.g. a `git worktree` of the older commit, built).
 *
 * Run: `node --conditions=sluice-src --import tsx bench/mesh/one-process.ts`
 * Writes `bench/results/mesh-one-process.json`.
 */
import { startOneProcess } from '../lib/mesh.js'
import { monitorProcesses, sleep } from '../lib/procs.js'
import { writeResult, type BenchRow } from '../lib/results.js'

const LOADS = [
  { devices: 6, hz: 10 },
  { devices: 100, hz: 50 },
  { devices: 100, hz: 100 },
]
const WARMUP_S = 6
const MEASURE_S = 15

async function measure(devices: number, hz: number, inMemory: boolean): Promise<BenchRow> {
  const mesh = await startOneProcess(
    [
      ['windowing', []],
      ['anomaly', []],
      ['forwarder', []],
      [
        'serial-bridge',
        ['--mode', 'sim', '--sim.devices', String(devices), '--sim.rateHz', String(hz)],
      ],
    ],
    { inProcessClients: inMemory },
  )
  try {
    await sleep(WARMUP_S * 1000)
    const a = await mesh.probe.nextMetrics('windowing')
    const monitor = monitorProcesses(new Map([['one process', mesh.proc.pid]]))
    await sleep(MEASURE_S * 1000)
    const b = await mesh.probe.nextMetrics('windowing')
    const cpu = monitor.summary().get('one process')!.cpuPercent
    monitor.stop()
    const rate = (b.hops['raw']!.in - a.hops['raw']!.in) / ((b.t - a.t) / 1000)
    const link = inMemory ? 'in-memory links' : 'loopback sockets'
    console.log(
      `${link}, ${devices} × ${hz} Hz: ${rate.toFixed(0)} samples/s, ${cpu.toFixed(1)} % of a core`,
    )
    return {
      case: `${link}, ${devices} devices × ${hz} Hz`,
      value: Math.round(cpu * 10) / 10,
      unit: '% of a core',
      'samples/s': Math.round(rate),
      'µs/sample': Math.round((cpu * 10_000) / Math.max(rate, 1)),
    }
  } finally {
    await mesh.stop()
  }
}

const rows: BenchRow[] = []
for (const { devices, hz } of LOADS)
  for (const inMemory of [true, false]) rows.push(await measure(devices, hz, inMemory))
const path = writeResult(
  'mesh-one-process',
  'node --conditions=sluice-src --import tsx bench/mesh/one-process.ts',
  rows,
)
console.log(`wrote ${path}`)
