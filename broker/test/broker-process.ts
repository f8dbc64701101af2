/**
 * @module test/broker-process
 * Starts `fixtures/broker-process.ts` in a child process and talks to it over IPC.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { BrokerMetrics, BrokerOptions } from '../src/internal.js'

/** A broker running in a child process. */
export interface BrokerProcess {
  readonly tcpPort: number
  readonly url: string
  metrics(): Promise<BrokerMetrics>
  close(): Promise<void>
}

/** Forks a broker process with these options and resolves once it listens. */
export function startBrokerProcess(options: BrokerOptions): Promise<BrokerProcess> {
  const child = fork(
    fileURLToPath(new URL('./fixtures/broker-process.ts', import.meta.url)),
    [JSON.stringify(options)],
    { execArgv: ['--conditions=sluice-src', '--import', 'tsx'], stdio: 'inherit' },
  )
  let nextId = 0
  const pending = new Map<number, (m: BrokerMetrics) => void>()
  return new Promise<BrokerProcess>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => {
      reject(new Error(`broker process exited with code ${String(code)}`))
    })
    child.on(
      'message',
      (message: {
        type: string
        id?: number
        metrics?: BrokerMetrics
        tcpPort?: number
        url?: string
      }) => {
        if (message.type === 'metrics') {
          pending.get(message.id!)?.(message.metrics!)
          pending.delete(message.id!)
        } else if (message.type === 'ready') {
          resolve({
            tcpPort: message.tcpPort!,
            url: message.url!,
            metrics() {
              const id = nextId++
              return new Promise<BrokerMetrics>((done) => {
                pending.set(id, done)
                child.send({ type: 'metrics', id })
              })
            },
            close() {
              return new Promise<void>((done) => {
                if (child.exitCode !== null) {
                  done()
                  return
                }
                child.once('exit', () => done())
                child.send({ type: 'close' })
                // a broker that does not close within 5 s is killed
                setTimeout(() => child.kill('SIGKILL'), 5000).unref()
              })
            },
          })
        }
      },
    )
  })
}
