/**
 * The harness's own arithmetic, which every published number goes through: percentiles by nearest rank,
 * the hop accounting identity and rates, the /proc reader, the `--node` runtime, and the generated charts.
 * No timings asserted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hopDelta, identityResidual, serviceHopDelta } from './hops.js'
import { percentiles, type HopSnapshot } from './probe.js'
import { externalRequired } from '@sluice/testkit'
import { cpuQuotaSupport, createCpuQuota } from './cgroup.js'
import { nodeFlag, nodeSuffix, readProcUsage, startProcess } from './procs.js'
import { median } from './results.js'
import { targetsSection } from './targets.js'

const hop = (over: Partial<HopSnapshot>): HopSnapshot => ({
  in: 0,
  out: 0,
  dropped: {},
  rejected: 0,
  queue: { length: 0, capacity: 10 },
  state: 'ok',
  ...over,
})

describe('percentiles', () => {
  it('ranks by nearest rank, so p99 of 1..100 is 99 and p50 is 50', () => {
    const p = percentiles(Array.from({ length: 100 }, (_, i) => 100 - i))
    expect([p.p50, p.p95, p.p99, p.max, p.n]).toEqual([50, 95, 99, 100, 100])
  })

  it('reports NaN rather than 0 when nothing was measured', () => {
    expect(percentiles([]).p99).toBeNaN()
  })
})

describe('hop accounting', () => {
  it('finds a sample missing from in = out + dropped + queued', () => {
    expect(
      identityResidual(
        hop({ in: 100, out: 60, dropped: { oldest: 30 }, queue: { length: 10, capacity: 10 } }),
      ),
    ).toBe(0)
    expect(
      identityResidual(
        hop({ in: 100, out: 60, dropped: { oldest: 29 }, queue: { length: 10, capacity: 10 } }),
      ),
    ).toBe(1)
  })

  it('turns two snapshots into rates and a drop fraction of what arrived', () => {
    const d = hopDelta(
      hop({ in: 1000, out: 900, dropped: { oldest: 50 } }),
      hop({ in: 3000, out: 1900, dropped: { oldest: 550, sampled: 500 } }),
      2,
    )
    expect(d).toMatchObject({ inRate: 1000, outRate: 500, dropped: 1000, dropRate: 0.5 })
  })

  it("takes a service's rates over the interval between its own metrics stamps", () => {
    const snap = (t: number, count: number) => ({
      service: 'windowing',
      t,
      hops: { raw: hop({ in: count, out: count }) },
    })
    // 4 000 samples between stamps 4 s apart: 1 000/s, whatever window the caller held them over.
    const d = serviceHopDelta(snap(10_000, 1000), snap(14_000, 5000), 'raw')
    expect([d.inRate, d.outRate]).toEqual([1000, 1000])
    expect(serviceHopDelta(undefined, snap(14_000, 5000), 'raw').outRate).toBeNaN()
  })
})

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones, whatever the order; NaN when empty', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([7])).toBe(7)
    expect(median([])).toBeNaN()
  })
})

describe('readProcUsage', () => {
  it('reads this process from /proc: CPU time and an RSS the size of a Node process', () => {
    const u = readProcUsage(process.pid)
    expect(u).toBeDefined()
    expect(u!.rssBytes).toBeGreaterThan(10 * 2 ** 20)
    expect(u!.cpuSeconds).toBeGreaterThan(0)
  })

  it('returns undefined for a process that does not exist', () => {
    expect(readProcUsage(2 ** 22 + 12345)).toBeUndefined()
  })
})

describe("the Targets table's throughput row (issue 16)", () => {
  const step = (value: number, cpuS: number, keepsUp = 'yes') => ({
    case: `publisher: offered ${value} samples/s`,
    value,
    unit: 'samples/s',
    keepsUp,
    'samples/cpu-s': cpuS,
  })
  const write = (dir: string, name: string, results: object[], node = 'v20.20.2'): void =>
    writeFileSync(
      join(dir, `${name}.json`),
      JSON.stringify({ name, date: '', node, cpu: '', command: '', results }),
    )
  const row = (dir: string): string =>
    targetsSection(dir)
      .split('\n')
      .find((l) => l.includes('≤ 3 µs'))!

  it('takes rate and CPU from one clean step at or above 250 000, in either mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-targets-'))
    try {
      // The cheapest step is below the rate, and the step at the rate dropped: not met.
      write(dir, 'mesh-throughput', [step(100_000, 500_000), step(260_000, 400_000, 'no')])
      expect(row(dir)).toMatch(/no clean step at 250 000 samples\/s or above.*\| \*\*no\*\* \|$/)
      // One process on another runtime (`--node`) clean at 300 000 and 2.9 µs a sample: met.
      write(dir, 'mesh-throughput-one-process-node24', [step(300_000, 344_828)], 'v24.21.0')
      expect(row(dir)).toMatch(
        /one process, Node v24\.21\.0: 300 k samples\/s clean at 2\.90 µs.*\| yes \|$/,
      )
      rmSync(join(dir, 'mesh-throughput-one-process-node24.json'))
      expect(row(dir)).toMatch(/\| \*\*no\*\* \|$/)
      // One process clean at 260 000 and 2.5 µs a sample: met.
      write(dir, 'mesh-throughput-one-process', [step(260_000, 400_000)])
      expect(row(dir)).toMatch(
        /one process \(sluice up's default\), Node v20\.20\.2: 260 k samples\/s clean at 2\.50 µs.*\| yes \|$/,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("the Targets table's footprint rows on two runtimes", () => {
  it('lists the other Node, and the Pi-class target holds only if every runtime dropped nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-targets-'))
    const all = (label: string, mb: number, cpu: number, dropped = 0) => ({
      case: `${label}: all 1 process`,
      value: mb,
      unit: 'MB RSS',
      'cpu %': cpu,
      'dropped (all hops)': dropped,
    })
    const write = (piDropped: number): void =>
      writeFileSync(
        join(dir, 'footprint.json'),
        JSON.stringify({
          name: 'footprint',
          date: '',
          node: 'v20.20.2',
          cpu: '',
          command: '',
          results: [
            all('one process', 100, 2),
            all('one process, Pi-class (1 core, 512 MB)', 90, 1.9),
            all('one process, Node v24.21.0', 160, 1.7),
            all('one process, Pi-class (1 core, 512 MB), Node v24.21.0', 110, 2.3, piDropped),
          ],
        }),
      )
    const line = (start: string): string =>
      targetsSection(dir)
        .split('\n')
        .find((l) => l.startsWith(start))!
    try {
      write(0)
      expect(line('| `sluice up` ≤ 200 MB')).toMatch(
        /100 MB, 2\.00 % \(one process, the default\).*; on Node v24\.21\.0: 160 MB, 1\.70 % \| yes \|$/,
      )
      expect(line('| Pi-class')).toMatch(
        /0 dropped; 90\.0 MB, 1\.9 % of the core; on Node v24\.21\.0: 0 dropped; 110 MB.*\| yes \|$/,
      )
      write(3)
      expect(line('| Pi-class')).toMatch(/on Node v24\.21\.0: 3 dropped.*\| \*\*no\*\* \|$/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('--node (a benchmark on another runtime)', () => {
  it('is absent without the flag, and names the binary with the version it reports', () => {
    expect(nodeFlag(['node', 'x.ts'])).toBeUndefined()
    const r = nodeFlag(['node', 'x.ts', '--node', process.execPath])!
    expect(r).toEqual({ path: process.execPath, version: process.version })
    expect(nodeSuffix({ path: '', version: 'v24.21.0' })).toBe('-node24')
  })

  it('refuses a missing or broken binary with a clear message', () => {
    expect(() => nodeFlag(['--node'])).toThrow('--node needs a Node binary')
    expect(() => nodeFlag(['--node', '--quick'])).toThrow('--node needs a Node binary')
    expect(() => nodeFlag(['--node', '/nonexistent/node'])).toThrow(
      /--node \/nonexistent\/node: not a Node binary that runs here/,
    )
  })
})

describe('a benchmarked process in cgroups', () => {
  it('joins them before Node starts, as the process that then runs Node', async () => {
    // Plain files stand in for cgroup.procs: the PID written to them must be Node's own.
    const dir = mkdtempSync(join(tmpdir(), 'sluice-cgroup-'))
    try {
      const files = [join(dir, 'cpu.procs'), join(dir, 'memory.procs')]
      const p = startProcess('probe', ['-e', 'setTimeout(() => {}, 5000)'], { cgroupProcs: files })
      const command = (): string => readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0')[0]!
      // The shell first, then Node in its place (exec keeps the PID).
      for (let i = 0; i < 100 && command() !== process.execPath; i++)
        await new Promise((r) => setTimeout(r, 50))
      expect(command()).toBe(process.execPath)
      for (const f of files) expect(readFileSync(f, 'utf8').trim()).toBe(String(p.pid))
      await p.stop()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

const quotas = cpuQuotaSupport()
// A writable cgroup v1 hierarchy needs root (CI has it): without one this skips and says why, and under
// SLUICE_REQUIRE_EXTERNAL=1 it fails instead, as the tests that need an outside program do.
const skipQuotas = !quotas.ok && !externalRequired()
describe('a Pi-class cgroup (cgroup v1, as root)', () => {
  if (skipQuotas)
    console.log(
      `skipped: ${quotas.ok ? '' : quotas.reason}; set SLUICE_REQUIRE_EXTERNAL=1 to make this a failure`,
    )
  it.skipIf(skipQuotas)(
    'limits the memory a process started in it sees, and is removed with what it holds',
    async () => {
      if (!quotas.ok)
        throw new Error(`cgroup v1 is required (SLUICE_REQUIRE_EXTERNAL=1) but ${quotas.reason}`)
      const group = createCpuQuota(`sluice-test-pi-${process.pid}`, 1, {
        memoryBytes: 512 * 2 ** 20,
      })
      try {
        const p = startProcess(
          'probe',
          ['-e', 'console.log(process.constrainedMemory()); setTimeout(() => {}, 5000)'],
          { cgroupProcs: group.procsFiles },
        )
        let out = ''
        p.child.stdout?.on('data', (b: Buffer) => (out += b.toString()))
        for (let i = 0; i < 100 && out === ''; i++) await new Promise((r) => setTimeout(r, 50))
        // What Node sizes V8's heap by: the group's limit, not this machine's memory.
        expect(Number(out.trim())).toBe(512 * 2 ** 20)
        expect(readFileSync(`/proc/${p.pid}/cgroup`, 'utf8')).toContain(
          `memory:/sluice-test-pi-${process.pid}`,
        )
        // Removed while the process still runs: it goes back to the root groups first.
        group.remove()
        for (const f of group.procsFiles) expect(existsSync(f)).toBe(false)
        await p.stop()
      } finally {
        group.remove()
      }
    },
  )
})
