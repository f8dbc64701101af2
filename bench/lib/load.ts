/**
 * @module bench/lib/load
 * Runs the benchmark-only publisher (`load-gen.ts`) as its own process and reads its report.
 */
import { join } from 'node:path'
import { repoRoot, startProcess, type BenchProcess } from './procs.js'

/** What the load generator reports at the end. */
export interface LoadReport {
  readonly samples: number
  readonly messages: number
  readonly seconds: number
  readonly perSensor: Readonly<Record<string, number>>
}

/** Options of {@link startLoad}, as `load-gen.ts` flags. */
export interface LoadOptions {
  readonly url: string
  readonly devices: number
  readonly rate: number
  readonly batch: number
  readonly qos: 0 | 1
  readonly seconds: number
  readonly inflight?: number
  readonly devicePrefix?: string
  readonly clientId?: string
}

/** A running load generator: `done` resolves with its report. */
export interface RunningLoad {
  readonly proc: BenchProcess
  /** Resolves once the generator is connected and its clock has started. */
  readonly ready: Promise<void>
  readonly done: Promise<LoadReport>
  /** Ends the run now (SIGTERM: the generator reports what it sent). */
  stop(): Promise<LoadReport>
}

/** Starts `load-gen.ts` (through tsx: it is bench code, and its start-up is not measured). */
export function startLoad(o: LoadOptions): RunningLoad {
  const args = [
    '--conditions=sluice-src',
    '--import',
    'tsx',
    join(repoRoot, 'bench/lib/load-gen.ts'),
    '--url',
    o.url,
    '--devices',
    String(o.devices),
    '--rate',
    String(o.rate),
    '--batch',
    String(o.batch),
    '--qos',
    String(o.qos),
    '--seconds',
    String(o.seconds),
    '--inflight',
    String(o.inflight ?? 64),
    '--device-prefix',
    o.devicePrefix ?? 'load',
    ...(o.clientId === undefined ? [] : ['--client-id', o.clientId]),
  ]
  const proc = startProcess('load-gen', args)
  let out = ''
  let onReady: () => void = () => undefined
  const ready = new Promise<void>((resolve) => (onReady = resolve))
  proc.child.stdout?.on('data', (c: Buffer) => {
    out += c.toString('utf8')
    if (out.includes('"ready":true')) onReady()
  })
  const done = proc.exited.then((code) => {
    onReady()
    const line = out.trim().split('\n').at(-1) ?? ''
    try {
      return JSON.parse(line) as LoadReport
    } catch {
      throw new Error(`load-gen exited ${code} without a report: ${proc.tail()}`)
    }
  })
  return {
    proc,
    ready,
    done,
    async stop() {
      proc.child.kill('SIGTERM')
      return done
    },
  }
}
