/**
 * @module test/ack-throughput
 * What the at-least-once `handled` acknowledgement costs: the windowing service (in process) takes
 * N raw samples in batches of 60, published at QoS 1 as fast as the broker acknowledges them, on a clean
 * session (`enqueue`: PUBACK once queued) and on a persistent one (`handled`: PUBACK once the aggregates
 * are acknowledged by the broker), with a size-1 count window (one aggregate per sample, the worst case)
 * and with the default windows. Prints samples/s until the last aggregate arrived. Not a test (no
 * timed assertions); run it by hand:
 *
 *   node --conditions=sluice-src --import tsx services/windowing/test/ack-throughput.ts
 */
import { startBroker } from '@sluice/broker'
import { decodeWindows, rawTopic, windowFilter } from '@sluice/contract'
import { createMqttTransport, startService } from '@sluice/mesh'
import { findProgram, startMosquitto } from '@sluice/testkit'
import { windowingService } from '../src/index.js'

const N = 60_000
const BATCH = 60
const MAX_IN_FLIGHT = 32

async function measure(url: string, session: 'clean' | 'persistent', size1: boolean, run: number) {
  const instance = `tp${String(run)}`
  const device = `tp${String(run)}`
  const svc = await startService(windowingService, {
    argv: [
      '--broker',
      url,
      '--session',
      session,
      '--instance',
      instance,
      '--logLevel',
      'silent',
      ...(size1
        ? ['--windows.c1.type', 'count', '--windows.c1.size', '1', '--windows.c1.stride', '1']
        : []),
    ],
  })
  const obs = createMqttTransport({ url, clientId: `tp-observer-${String(run)}` })
  let lastSeq = -1
  obs.onMessage((m, ack) => {
    const r = decodeWindows(m.payload)
    for (const w of r.ok ? r.value : []) if (w.seqTo > lastSeq) lastSeq = w.seqTo
    ack()
  })
  await obs.connect()
  await obs.subscribe(windowFilter('sluice', device), 1)
  const pub = createMqttTransport({ url, clientId: `sluice-serial-bridge-tp${String(run)}` })
  await pub.connect()
  const topic = rawTopic('sluice', device, 'temp')
  const t0 = performance.now()
  const inFlight = new Set<Promise<void>>()
  for (let s = 0; s < N; s += BATCH) {
    const seq = Array.from({ length: BATCH }, (_, i) => s + i)
    const now = Date.now()
    const p = pub.publish(
      topic,
      JSON.stringify({
        seq,
        t: seq.map((x) => 1_700_000_000_000 + x * 10),
        value: seq.map((x) => x % 7),
        ingest: seq.map(() => now),
      }),
      { qos: 1 },
    )
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
    if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  // With the default windows too, c100 (stride 25) emits a window ending at N - 1 (N is a multiple of 25).
  const target = N - 1
  const deadline = Date.now() + 60_000
  while (lastSeq < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
  const seconds = (performance.now() - t0) / 1000
  await Promise.all([pub.close(), obs.close()])
  await svc.stop()
  return { rate: Math.round(N / seconds), complete: lastSeq >= target }
}

const brokers: {
  name: string
  start: () => Promise<{ url: string; stop: () => Promise<void> }>
}[] = [
  {
    name: 'sluice broker',
    start: async () => {
      const b = await startBroker({ port: 0, metricsIntervalMs: 0 })
      return { url: b.url, stop: () => b.close() }
    },
  },
]
if (findProgram('mosquitto', { log: null }).available) {
  // A per-client queue large enough for the whole run: what is measured is the consumer, not what
  // Mosquitto drops beyond `max_queued_messages` (default 1000) while the consumer is slower.
  brokers.push({
    name: 'mosquitto',
    start: () => startMosquitto({ config: { max_queued_messages: 100_000 } }),
  })
}

let run = 0
for (const b of brokers) {
  const broker = await b.start()
  for (const size1 of [true, false]) {
    for (const session of ['clean', 'persistent'] as const) {
      const r = await measure(broker.url, session, size1, ++run)
      console.log(
        `${b.name.padEnd(14)} ${(size1 ? 'size-1 window' : 'default windows').padEnd(16)} ` +
          `${session === 'clean' ? 'enqueue' : 'handled'}: ${String(r.rate)} samples/s` +
          (r.complete ? '' : ' (incomplete)'),
      )
    }
  }
  await broker.stop()
}
