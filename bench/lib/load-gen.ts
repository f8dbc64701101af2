/**
 * @module bench/lib/load-gen
 * A benchmark-only publisher, run as its own process: raw samples of `--devices` sensors (one channel
 * each) at a paced total `--rate` (samples/s; `0` = as fast as the broker takes them), `--batch` samples
 * per message, in exactly the payload the serial bridge sends (`toRawBatch` + `encodeText` of
 * `@sluice/contract`), with per-sensor sequence numbers from 0 so every consumer's gap tracker can check
 * it. It offers load the bridge's simulator would otherwise have to generate itself, so the offered rate
 * is exact and independent of the bridge. At most `--inflight` publishes wait for their callback (QoS 0:
 * written to the socket; QoS 1: PUBACK), so a slow broker slows the generator instead of growing
 * mqtt.js' queue; the rate it achieved is what it reports.
 *
 * Prints `{ ready: true }` once connected, and one JSON line at the end (after `--seconds`, or on SIGTERM): `{ samples, messages, seconds,
 * perSensor }`.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/lib/load-gen.ts --url mqtt://127.0.0.1:1883
 *   --devices 10 --rate 10000 --batch 100 --qos 1 --seconds 10`
 */
import { parseArgs } from 'node:util'
import { epochMs, encodeText, rawTopic, toRawBatch } from '@sluice/contract'
import mqtt from 'mqtt'

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    devices: { type: 'string', default: '10' },
    'device-prefix': { type: 'string', default: 'load' },
    channel: { type: 'string', default: 'light' },
    rate: { type: 'string', default: '0' },
    batch: { type: 'string', default: '100' },
    qos: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '10' },
    inflight: { type: 'string', default: '200' },
    prefix: { type: 'string', default: 'sluice' },
    'client-id': { type: 'string', default: `sluice-serial-bridge-load${process.pid}` },
  },
})

const devices = Number(values.devices)
const rate = Number(values.rate)
const batch = Number(values.batch)
const qos = Number(values.qos) as 0 | 1
const seconds = Number(values.seconds)
const maxInflight = Number(values.inflight)

const now = epochMs
const topics = Array.from({ length: devices }, (_, d) =>
  rawTopic(values.prefix, `${values['device-prefix']}-${d + 1}`, values.channel),
)
const seqs = new Array<number>(devices).fill(0)

const client = await mqtt.connectAsync(values.url, {
  clientId: values['client-id'],
  reconnectPeriod: 0,
})

// Tells the parent that the clock starts now (start-up through tsx can take seconds on a busy machine).
process.stdout.write(JSON.stringify({ ready: true }) + '\n')

let samples = 0
let messages = 0
let inflight = 0
let running = true
let next = 0
const start = performance.now()

function publishOne(): void {
  const d = next
  next = (next + 1) % devices
  const ingest = now()
  const first = seqs[d]!
  seqs[d] = first + batch
  const payload =
    batch === 1
      ? encodeText({ seq: first, t: ingest, value: 500 + (first % 100), ingest })
      : encodeText(
          toRawBatch(
            Array.from({ length: batch }, (_, i) => ({
              seq: first + i,
              t: ingest,
              value: 500 + ((first + i) % 100),
              ingest,
            })),
          ),
        )
  inflight++
  samples += batch
  messages++
  client.publish(topics[d]!, Buffer.from(payload), { qos }, () => {
    inflight--
  })
}

function finish(): void {
  if (!running) return
  running = false
  const elapsed = (performance.now() - start) / 1000
  const perSensor: Record<string, number> = {}
  topics.forEach((t, i) => (perSensor[t] = seqs[i]!))
  process.stdout.write(JSON.stringify({ samples, messages, seconds: elapsed, perSensor }) + '\n')
  void client.endAsync().then(() => process.exit(0))
}

process.once('SIGTERM', finish)
process.once('SIGINT', finish)

// Pacing: at each turn of the loop, send what is due by now (never more than the inflight cap allows).
// Batches go round-robin over the sensors, so every sensor gets rate/devices samples per second.
function loop(): void {
  if (!running) return
  const elapsed = (performance.now() - start) / 1000
  if (elapsed >= seconds) {
    finish()
    return
  }
  let budget = rate > 0 ? Math.floor(rate * elapsed) - samples : Infinity
  let sent = 0
  while (budget >= batch && inflight < maxInflight && sent < 2000) {
    publishOne()
    budget -= batch
    sent++
  }
  if (sent > 0) setImmediate(loop)
  else setTimeout(loop, 1)
}
loop()
