/**
 * @module lab/experiments/serial
 * Serial bandwidth (lab level 2, the Arduino on a laptop or Pi): a device paced like a UART writes lines
 * into a socat pty, and the real bridge reads the other end and publishes them. Measured at the broker:
 * lines per second at each baud rate against baud / 10 / bytes-per-line, what a sketch asking for 100 Hz
 * of two-channel lines gets at 9 600 baud, and a baud mismatch as the bridge sees it (the bytes a receiver
 * at the wrong rate reads, and the bridge's message).
 */
import { decodeRawSamples, rawFilter } from '@sluice/contract'
import { barChart } from '@sluice/plot'
import type { Experiment, LabOutcome, Progress } from '../experiment.js'
import { LabProgramMissingError } from '../errors.js'
import { createLabMesh, sleep, type LabMesh } from '../mesh.js'
import { findSocat, openPtyPair, runSerialDevice } from '../serial-device.js'
import { round } from '../table.js'
import { serialLinesPerSecond } from '../theory.js'
import { receiveAtBaud, showBytes } from '../uart.js'

const defaults = {
  bauds: [9600, 115200] as readonly number[],
  lineBytes: 5,
  hz: 100,
  hzBaud: 9600,
  mismatchDeviceBaud: 19200,
  mismatchBridgeBaud: 9600,
  seconds: 4,
}

type Params = typeof defaults

const truncate = (s: string): string => (s.length > 48 ? `${s.slice(0, 48)}…` : s)

/** One serial case, as measured. */
export interface SerialRun {
  readonly label: string
  readonly baud: number
  readonly lineBytes: number
  readonly askedHz: number
  readonly expected: number
  readonly measured: number
}

/** A fixed-length line: a one-digit sequence number (it wraps; the bridge only parses it) and digits. */
export function fixedLine(lineBytes: number): (k: number) => string {
  const digits = Math.max(1, lineBytes - 3)
  return (k) => `${k % 10},${String((k * 37) % 10 ** digits).padStart(digits, '0')}\n`
}

/** A two-channel sketch's line: `seq,light,temp`. */
export function sketchLine(k: number): string {
  return `${k},${400 + ((k * 7) % 200)},${(20 + ((k * 3) % 50) / 10).toFixed(1)}\n`
}

/** Samples per second published for one channel, from the ingest stamps, after the first half second. */
function measuredRate(mesh: LabMesh, device: string, channel: string): number {
  const ingests: number[] = []
  const topic = `sluice/${device}/${channel}/raw`
  for (const m of mesh.observed) {
    if (m.topic !== topic) continue
    const d = decodeRawSamples(m.payload)
    if (d.ok) for (const s of d.value) if (s.ingest !== undefined) ingests.push(s.ingest)
  }
  if (ingests.length < 2) return 0
  ingests.sort((a, b) => a - b)
  const from = ingests[0]! + 500
  const steady = ingests.filter((t) => t >= from)
  if (steady.length < 2) return 0
  return (steady.length - 1) / ((steady[steady.length - 1]! - steady[0]!) / 1000)
}

interface CaseSpec {
  readonly label: string
  readonly device: string
  readonly baud: number
  readonly rxBaud: number
  readonly hz: number
  readonly line: (k: number) => string
  readonly channels: string
}

async function runCase(mesh: LabMesh, socat: string, c: CaseSpec, seconds: number) {
  const pty = await openPtyPair(socat)
  try {
    const bridge = await mesh.start('bridge', c.device, [
      '--logLevel',
      'warn',
      '--mode',
      'serial',
      '--port',
      pty.port,
      '--baud',
      String(c.rxBaud),
      '--device',
      c.device,
      '--channels',
      c.channels,
      '--resetDelayMs',
      '0',
      '--governor.enabled',
      'false',
    ])
    const report = await runSerialDevice({
      path: pty.device,
      baud: c.baud,
      ...(c.rxBaud !== c.baud ? { rxBaud: c.rxBaud } : {}),
      rateHz: c.hz,
      line: c.line,
      seconds,
    })
    await sleep(300)
    await bridge.stop()
    return {
      report,
      rate: measuredRate(mesh, c.device, c.channels.split(',')[0]!),
      logs: bridge.logs,
    }
  } finally {
    await pty.stop()
  }
}

function mismatchMessage(logs: readonly string[]): string | undefined {
  const messages: string[] = []
  for (const line of logs) {
    try {
      const msg = (JSON.parse(line) as { msg?: unknown }).msg
      if (typeof msg === 'string') messages.push(msg)
    } catch {
      // not a JSON log line
    }
  }
  return messages.find((m) => /baud/i.test(m)) ?? messages[0]
}

async function run(p: Params, progress: Progress): Promise<LabOutcome> {
  const socat = findSocat()
  if (socat === undefined)
    throw new LabProgramMissingError(
      'the serial experiment needs socat for its pty pair, and it is not installed: apt-get install socat',
    )
  const mesh = await createLabMesh({ observe: [rawFilter('sluice')] })
  try {
    const runs: SerialRun[] = []
    let i = 0
    for (const baud of p.bauds) {
      const c: CaseSpec = {
        label: `${baud} baud, as fast as it goes`,
        device: `baud-${i++}`,
        baud,
        rxBaud: baud,
        hz: Infinity,
        line: fixedLine(p.lineBytes),
        channels: 'light',
      }
      progress(`${c.label}: ${p.lineBytes}-byte lines for ${p.seconds} s`)
      const r = await runCase(mesh, socat, c, p.seconds)
      runs.push({
        label: c.label,
        baud,
        lineBytes: r.report.lineBytes,
        askedHz: Infinity,
        expected: serialLinesPerSecond(baud, r.report.lineBytes),
        measured: r.rate,
      })
    }
    const hzCase: CaseSpec = {
      label: `${p.hz} Hz sketch at ${p.hzBaud} baud`,
      device: 'sketch',
      baud: p.hzBaud,
      rxBaud: p.hzBaud,
      hz: p.hz,
      line: sketchLine,
      channels: 'light,temp',
    }
    progress(`${hzCase.label}: "seq,light,temp" lines for ${p.seconds} s`)
    const hz = await runCase(mesh, socat, hzCase, p.seconds)
    runs.push({
      label: hzCase.label,
      baud: p.hzBaud,
      lineBytes: hz.report.lineBytes,
      askedHz: p.hz,
      expected: Math.min(p.hz, serialLinesPerSecond(p.hzBaud, hz.report.lineBytes)),
      measured: hz.rate,
    })
    const mm: CaseSpec = {
      label: `device ${p.mismatchDeviceBaud}, bridge ${p.mismatchBridgeBaud}`,
      device: 'mismatch',
      baud: p.mismatchDeviceBaud,
      rxBaud: p.mismatchBridgeBaud,
      hz: p.hz,
      line: sketchLine,
      channels: 'light,temp',
    }
    progress(`baud mismatch: ${mm.label}`)
    const bad = await runCase(mesh, socat, mm, p.seconds)
    runs.push({
      label: `mismatch: ${mm.label}`,
      baud: p.mismatchBridgeBaud,
      lineBytes: bad.report.lineBytes,
      askedHz: p.hz,
      expected: 0,
      measured: bad.rate,
    })
    const sent = Buffer.from(sketchLine(1000) + sketchLine(1001), 'ascii')
    const seen = receiveAtBaud(sent, p.mismatchDeviceBaud, p.mismatchBridgeBaud)
    const message = mismatchMessage(bad.logs)
    return {
      table: {
        columns: ['case', 'bytes/line', 'theory lines/s', 'measured lines/s', 'error'],
        rows: runs.map((r) => [
          r.label,
          round(r.lineBytes),
          round(r.expected),
          round(r.measured),
          r.expected > 0 ? `${round(((r.measured - r.expected) / r.expected) * 100, 2)} %` : '-',
        ]),
      },
      plots: [
        {
          file: 'serial-lines.svg',
          svg: barChart(
            'Lines per second through the bridge',
            runs.flatMap((r) => [
              { case: `${r.label} (theory)`, value: r.expected, unit: 'lines/s' },
              { case: `${r.label} (measured)`, value: r.measured, unit: 'lines/s' },
            ]),
          ),
        },
      ],
      notes: [
        `A UART sends 10 bits per byte (start, 8 data, stop): baud / 10 bytes/s, so ${p.lineBytes}-byte lines give ${p.bauds.map((b) => `${round(serialLinesPerSecond(b, p.lineBytes))} lines/s at ${b}`).join(', ')}.`,
        `At ${p.hzBaud} baud a ${p.hz} Hz sketch printing "seq,light,temp" (${round(hz.report.lineBytes)} bytes a line) gets ${round(hz.rate)} lines/s: Serial.print blocks when its 64-byte buffer is full, so the sketch runs at the link's pace and its samples are further apart than it thinks.`,
        `Baud mismatch: "${showBytes(sent).replace(/\\x0a/g, '\\n')}" sent at ${p.mismatchDeviceBaud} baud reads as "${truncate(showBytes(seen))}" at ${p.mismatchBridgeBaud}; the bridge published ${round(bad.rate)} samples/s and said: ${message ?? 'nothing: it never saw the end of a line, so there was nothing to judge'}`,
      ],
      data: { runs, mismatchMessage: message ?? null, mismatchSeen: showBytes(seen) },
    }
  } finally {
    await mesh.close()
  }
}

/** `sluice lab serial`. */
export const serialExperiment: Experiment<Params> = {
  name: 'serial',
  title: 'Serial bandwidth',
  summary:
    'Lines per second at each baud rate through a paced pty and the real bridge, a 100 Hz sketch on 9 600 baud, and a baud mismatch as it looks (needs socat).',
  defaults,
  help: {
    bauds: 'baud rates to measure',
    lineBytes: 'bytes per line, "\\n" included (at least 5)',
    hz: "the sketch's sample rate in the second case",
    hzBaud: 'the baud rate of that case',
    mismatchDeviceBaud: 'baud rate the device sends at, in the mismatch case',
    mismatchBridgeBaud: 'baud rate the bridge reads at, in the mismatch case',
    seconds: 'seconds per case',
  },
  tryThis: [
    'sluice lab serial --line-bytes 12            # longer lines: fewer per second, in proportion',
    'sluice lab serial --bauds 57600 --hz 500      # where does 500 Hz stop fitting?',
    'sluice lab serial --mismatch-device-baud 9600 --mismatch-bridge-baud 115200   # the other way round',
  ],
  run,
}
