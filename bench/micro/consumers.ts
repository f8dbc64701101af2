/**
 * @module bench/micro/consumers
 * CPU per sample of the consumers' per-sample work without MQTT (issue 16): decoding the bridge's raw
 * batches (`decodeRawSamples`), windowing's default windows (`createSensorWindows`), anomaly's default
 * detectors per sensor and per device (`createSensorDetectors`, `createDeviceDetectors`), and one hop
 * meter's latency recording, and, not in the total, since it decodes and meters too, a whole inbound hop
 * (`createInboundHop`) with a handler that does nothing. 100 sensors, batches of 100 samples with times to the microsecond (as the
 * bridge stamps them) and values with two decimals. Nanoseconds per sample by process CPU time, medians of
 * five runs.
 *
 * With `--against <checkout>` (another worktree, built), the same work is measured on that checkout's
 * built packages too, in the same process, so a change is compared with its baseline in one run:
 * `git worktree add --detach ../base main && (cd ../base && pnpm install --offline && pnpm build)`.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/micro/consumers.ts [--against ../base]`
 * Writes `bench/results/consumers.json`.
 */
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { repoRoot } from '../lib/procs.js'
import { median, writeResult, type BenchRow } from '../lib/results.js'

const SENSORS = 100
const BATCH = 100
const MESSAGES = 3000

interface Sample {
  seq: number
  t: number
  value: number
  ingest: number
}
/** What is used of each package, loaded from one checkout's `dist`. */
interface Tree {
  contract: {
    encode(p: unknown): Uint8Array
    toRawBatch(s: Sample[]): unknown
    decodeRawSamples(b: Uint8Array): { ok: boolean; value?: Sample[] }
  }
  stream: {
    createPrng(seed: number): { gaussian(): number }
    createHopMeter(o: { now: number }): { recordLatency(ms: number): void }
  }
  anomaly: {
    DEFAULT_DETECTOR: unknown
    createSensorDetectors(...args: unknown[]): { push(key: string, s: Sample[]): void }
    createDeviceDetectors(...args: unknown[]): { push(key: string, s: Sample[]): void }
  }
  mesh: {
    createInboundHop(
      spec: {
        name: string
        qos: 0
        queue: { capacity: number; policy: 'drop-oldest' }
        handle: (key: string, samples: Sample[]) => void
      },
      deps: { transport: unknown; prefix: string },
    ): {
      accept(
        m: { topic: string; payload: Uint8Array; qos: 0; retain: false },
        ack: () => void,
      ): void
      drain(timeoutMs: number): Promise<boolean>
    }
  }
  windowing: {
    DEFAULT_WINDOWS: unknown
    createSensorWindows(...args: unknown[]): { push(key: string, s: Sample[], now: number): void }
  }
}

async function load(root: string): Promise<Tree> {
  const from = async <T>(path: string): Promise<T> =>
    (await import(pathToFileURL(join(root, path)).href)) as T
  return {
    contract: await from('libs/contract/dist/index.js'),
    stream: await from('libs/stream/dist/index.js'),
    mesh: await from('libs/mesh/dist/index.js'),
    anomaly: await from('services/anomaly/dist/internal.js'),
    windowing: await from('services/windowing/dist/internal.js'),
  }
}

/** Median ns per sample of `fn`, which handles every sample once. */
async function nsPerSample(fn: () => void | Promise<void>): Promise<number> {
  await fn()
  const ns: number[] = []
  for (let r = 0; r < 5; r++) {
    const start = process.cpuUsage()
    await fn()
    const used = process.cpuUsage(start)
    ns.push(((used.user + used.system) * 1000) / (MESSAGES * BATCH))
  }
  return median(ns)
}

function payloads(tree: Tree): { key: string; bytes: Uint8Array }[] {
  const prng = tree.stream.createPrng(1)
  const out: { key: string; bytes: Uint8Array }[] = []
  for (let m = 0; m < MESSAGES; m++) {
    const k = Math.floor(m / SENSORS)
    const samples = Array.from({ length: BATCH }, (_, i) => {
      const seq = k * BATCH + i
      // Times to the microsecond, as the bridge's clock stamps them, and values with two decimals, as a
      // sensor prints them.
      const t = Math.floor((1764780000000.123 + seq * 2 + prng.gaussian() * 0.01) * 1000) / 1000
      const value = Math.round((500 + 20 * Math.sin(seq / 50) + prng.gaussian()) * 100) / 100
      return { seq, t, value, ingest: Math.floor((t + 0.37) * 1000) / 1000 }
    })
    out.push({
      key: `sim-${m % SENSORS}/value`,
      bytes: tree.contract.encode(tree.contract.toRawBatch(samples)),
    })
  }
  return out
}

/**
 * An inbound hop as windowing's and anomaly's raw hops run it (QoS 0 here: no broker), its handler doing
 * nothing: decoding, the intake checks, the queue, the drain loop's batches and the hop's meter and gap
 * tracking. Messages go in 20 at a time (2 000 samples, under the queue's capacity), each group drained
 * before the next.
 */
async function hopIntake(tree: Tree, msgs: { key: string; bytes: Uint8Array }[]): Promise<void> {
  const hop = tree.mesh.createInboundHop(
    {
      name: 'raw',
      qos: 0,
      queue: { capacity: 10_000, policy: 'drop-oldest' },
      handle: () => undefined,
    },
    // Never started, so it never subscribes: the transport is not used.
    { transport: {}, prefix: 'sluice' },
  )
  for (let i = 0; i < msgs.length; i += 20) {
    for (const m of msgs.slice(i, i + 20)) {
      const topic = `sluice/${m.key}/raw`
      hop.accept({ topic, payload: m.bytes, qos: 0, retain: false }, () => undefined)
    }
    await hop.drain(10_000)
  }
}

async function measure(
  tree: Tree,
  msgs: { key: string; bytes: Uint8Array }[],
): Promise<Record<string, number>> {
  const decoded = msgs.map((m) => tree.contract.decodeRawSamples(m.bytes).value ?? [])
  const learning = { learnSamples: 100, learnMs: 60_000 }
  const episodes = { holdoffSamples: 20 }
  return {
    'decode (decodeRawSamples)': await nsPerSample(() => {
      for (const m of msgs) tree.contract.decodeRawSamples(m.bytes)
    }),
    'inbound hop: decode, queue, drain, meter (handler does nothing)': await nsPerSample(() =>
      hopIntake(tree, msgs),
    ),
    'windowing: default windows': await nsPerSample(() => {
      const w = tree.windowing.createSensorWindows(tree.windowing.DEFAULT_WINDOWS, () => undefined)
      msgs.forEach((m, i) => {
        w.push(m.key, decoded[i]!, 0)
      })
    }),
    'anomaly: default detectors, sensor and device': await nsPerSample(() => {
      const a = tree.anomaly
      const d = a.createSensorDetectors(a.DEFAULT_DETECTOR, {}, episodes, () => undefined, learning)
      const dev = a.createDeviceDetectors({ detector: learning, episodes }, () => undefined)
      msgs.forEach((m, i) => {
        d.push(m.key, decoded[i]!)
        dev.push(m.key, decoded[i]!)
      })
    }),
    'hop meter: latency of every sample': await nsPerSample(() => {
      const h = tree.stream.createHopMeter({ now: 0 })
      for (const b of decoded) for (const s of b) h.recordLatency(1.5 + (s.seq % 7))
    }),
  }
}

const at = process.argv.indexOf('--against')
const against = at >= 0 ? process.argv[at + 1] : undefined
const trees: [string, string][] = [['this checkout', repoRoot]]
if (against !== undefined) trees.unshift([`baseline (${against})`, resolve(against)])

const rows: BenchRow[] = []
for (const [label, root] of trees) {
  const tree = await load(root)
  const result = await measure(tree, payloads(tree))
  let total = 0
  for (const [name, ns] of Object.entries(result)) {
    // The hop decodes and meters too: the total is of the parts measured alone.
    if (!name.startsWith('inbound hop')) total += ns
    rows.push({ case: `${label}: ${name}`, value: Math.round(ns), unit: 'ns/sample' })
  }
  rows.push({ case: `${label}: total`, value: Math.round(total), unit: 'ns/sample' })
}
for (const r of rows) console.log(r.case.padEnd(80), `${String(r.value)} ns/sample`.padStart(16))
const args = against === undefined ? '' : ` --against ${against}`
console.log(
  `wrote ${writeResult('consumers', `node --conditions=sluice-src --import tsx bench/micro/consumers.ts${args}`, rows)}`,
)
