/**
 * @module test/helpers
 * What the bridge's integration tests share (the broker is testkit's `startAedes`): the bridge started
 * through the real runtime (`startService`) with its log captured, and a socat pty pair with stable link
 * names, so that a "device" can vanish and come back at the same path.
 */
import { startProcess, type RunningProcess } from '@sluice/testkit'
import { startService, type ServiceHandle } from '@sluice/mesh'
import { pino } from 'pino'
import {
  SerialBridgeConfigSchema,
  createSerialBridgeService,
  type SerialBridge,
} from '../src/internal.js'

/** One captured log record. */
export interface LogRecord {
  readonly level: number
  readonly msg?: string
  readonly [key: string]: unknown
}

/** A bridge running in-process, with its log. */
export interface RunningBridge {
  readonly handle: ServiceHandle<typeof SerialBridgeConfigSchema>
  readonly bridge: SerialBridge
  readonly logs: LogRecord[]
  /** Messages logged so far (the `msg` field), in order. */
  messages(): string[]
  stop(): Promise<void>
}

/** Starts the bridge with `overrides` over its defaults, logging at debug into memory. */
export async function startBridge(overrides: Record<string, unknown>): Promise<RunningBridge> {
  const logs: LogRecord[] = []
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        logs.push(JSON.parse(line) as LogRecord)
      },
    },
  )
  let bridge: SerialBridge | undefined
  const handle = await startService(
    {
      name: 'serial-bridge',
      version: '0.1.0',
      configSchema: SerialBridgeConfigSchema,
      create: (ctx) => (bridge = createSerialBridgeService(ctx)),
    },
    { overrides: { metricsIntervalMs: 200, ...overrides }, logger },
  )
  return {
    handle,
    bridge: bridge!,
    logs,
    messages: () => logs.map((l) => l.msg ?? ''),
    stop: async () => {
      await handle.stop()
    },
  }
}

/** A socat pty pair whose ends are reachable at fixed link paths. */
export interface LinkedPtys {
  readonly a: string
  readonly b: string
  readonly proc: RunningProcess
  stop(): Promise<void>
}

/**
 * Starts `socat -d -d pty,raw,echo=0,link=<a> pty,raw,echo=0,link=<b>`: the links are removed when socat
 * exits and created again by the next pair, like a USB device that is unplugged and plugged back in.
 */
export async function startLinkedPtys(socat: string, a: string, b: string): Promise<LinkedPtys> {
  const proc = await startProcess(
    socat,
    ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`],
    { name: 'socat', readyWhen: /starting data transfer loop/, timeout: 5000 },
  )
  return { a, b, proc, stop: () => proc.stop(500) }
}
