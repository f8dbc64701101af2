/**
 * @module bench/lib/targets
 * The "Targets" table at the top of `docs/performance.md`: each target of issue 7 next to the number the
 * latest results files hold for it, so the summary is generated from measurements and never typed in.
 * A target whose results file is missing says so.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchResult, BenchRow } from './results.js'
import { formatSi } from '@sluice/plot'

function load(dir: string, name: string): BenchResult | undefined {
  const f = join(dir, `${name}.json`)
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as BenchResult) : undefined
}

const fmt = (v: number, digits = 3): string =>
  Number.isFinite(v) ? formatSi(Number(v.toPrecision(digits))) : 'n/a'

/**
 * The clean step of a throughput run at issue 16's 250 000 samples/s or above that took the least CPU per
 * sample: its delivered rate and µs of mesh CPU per sample; undefined without such a step.
 */
function atTarget(res: BenchResult | undefined): { value: number; us: number } | undefined {
  const steps = (res?.results ?? []).filter(
    (r) => r.keepsUp === 'yes' && r.value >= 250_000 && typeof r['samples/cpu-s'] === 'number',
  )
  const us = (r: BenchRow): number => 1e6 / (r['samples/cpu-s'] as number)
  const best = steps.reduce<BenchRow | undefined>(
    (b, r) => (b === undefined || us(r) < us(b) ? r : b),
    undefined,
  )
  return best === undefined ? undefined : { value: best.value, us: us(best) }
}

/** Builds the Markdown section from the results in `dir`. */
export function targetsSection(dir: string): string {
  const lines: string[] = []
  const row = (target: string, measured: string, met: boolean | undefined): void => {
    lines.push(
      `| ${target} | ${measured} | ${met === undefined ? 'not measured' : met ? 'yes' : '**no**'} |`,
    )
  }

  const tp = load(dir, 'mesh-throughput')
  if (tp) {
    const get = (prefix: string): BenchRow | undefined =>
      tp.results.find((r) => r.case.startsWith(prefix))
    const bridge = get('sustained, bridge')?.value ?? NaN
    const pub = get('sustained, publisher')?.value ?? NaN
    const accounted = get('sustained with zero unexplained loss')?.value ?? NaN
    const at = tp.results.find(
      (r) => r.value === accounted && r.case !== get('sustained with zero unexplained loss')?.case,
    )
    const perCpu = Math.max(
      ...tp.results.map((r) => (typeof r['samples/cpu-s'] === 'number' ? r['samples/cpu-s'] : 0)),
    )
    const loss = tp.results
      .filter((r) => r.case.includes('whole run'))
      .map((r) => `${r.case.split(' ')[0]} ${r.value}`)
      .join(', ')
    row(
      'Full mesh ≥ 200 000 samples/s sustained',
      `${fmt(accounted)} samples/s delivered by both consumers with zero unexplained loss` +
        (at && typeof at.dropped === 'number' && at.dropped > 0
          ? ` (${String(at.dropped)} samples dropped and counted in that step, ${at.case.split(':')[0]})`
          : '') +
        `; with no drop at all: ${fmt(bridge)} from the bridge's simulator, ${fmt(pub)} from the benchmark ` +
        `publisher; best ${fmt(perCpu)} samples per CPU-second of the whole mesh`,
      Math.max(accounted, bridge, pub) >= 200_000,
    )
    // Rate and CPU of one step: the step at 250 000 or above that took the least CPU per sample.
    const procs = atTarget(tp)
    const oneResult = load(dir, 'mesh-throughput-one-process')
    const one = atTarget(oneResult)
    // The one process on other runtimes (`throughput.ts --one-process --node <binary>`).
    const runtimes = readdirSync(dir)
      .filter((f) => /^mesh-throughput-one-process-node\d+\.json$/.test(f))
      .sort()
      .map((f) => load(dir, f.replace(/\.json$/, ''))!)
    const stepText = (r: { value: number; us: number } | undefined): string =>
      r === undefined
        ? 'no clean step at 250 000 samples/s or above'
        : `${fmt(r.value)} samples/s clean at ${fmt(r.us)} µs of CPU per sample`
    row(
      'Full mesh ≥ 250 000 samples/s at ≤ 3 µs of CPU per sample (issue 16)',
      `one process per service: ${stepText(procs)}; ${fmt(1e6 / perCpu, 2)} µs per sample at best ` +
        `over all steps` +
        (one === undefined
          ? ''
          : `; in one process (sluice up's default), Node ${oneResult!.node}: ${stepText(one)}`) +
        runtimes.map((r) => `; in one process, Node ${r.node}: ${stepText(atTarget(r))}`).join(''),
      [procs, one, ...runtimes.map(atTarget)].some((r) => r !== undefined && r.us <= 3),
    )
    row(
      'Zero unexplained loss on QoS 1 hops',
      `gaps − counted drops over the whole run: ${loss}`,
      tp.results.filter((r) => r.case.includes('whole run')).every((r) => r.value === 0),
    )
  } else row('Full mesh ≥ 200 000 samples/s sustained', 'no results', undefined)

  const lat = load(dir, 'mesh-latency')
  const latTarget = 'p99 ingest → anomaly event ≤ 10 ms at 1 000 samples/s'
  if (lat) {
    const at1k = lat.results.filter(
      (r) => /(^|, )1000 samples\/s/.test(r.case) && r.case.includes('anomaly event p99'),
    )
    const best = at1k.reduce<BenchRow | undefined>(
      (b, r) => (b === undefined || r.value < b.value ? r : b),
      undefined,
    )
    // The default is `sluice up`'s: one process (issue 16) with the default batching; older results
    // measured one process per service only.
    const one = at1k.find(
      (r) =>
        r.case.startsWith('one process') &&
        r.case.includes('(default)') &&
        !r.case.includes('(before)'),
    )
    const procs = at1k.find((r) => r.case.startsWith('1000') && r.case.includes('(default)'))
    const dflt = one ?? procs
    const bestLabel = best?.case.split(': ')[0] ?? ''
    row(
      latTarget,
      (one === undefined ? '' : `${fmt(one.value)} ms in one process (sluice up's default); `) +
        `${fmt(procs?.value ?? NaN)} ms one process per service, default batching; ` +
        `best ${fmt(best?.value ?? NaN)} ms (${bestLabel})`,
      dflt === undefined ? undefined : dflt.value <= 10,
    )
  } else row(latTarget, 'no results', undefined)

  const fp = load(dir, 'footprint')
  const fpTarget = '`sluice up` ≤ 200 MB RSS (whole process tree) and ≤ 3 % of a core, after 60 s'
  if (fp) {
    const total = (label: string) =>
      fp.results.find((r) => r.case.startsWith(`${label}: all `) && r.unit === 'MB RSS')
    const one = total('one process')
    const procs = total('--processes')
    // The variants run again on another Node (`footprint.ts --node`): their label ends in its version.
    const onOtherNode = (r: BenchRow): string | undefined =>
      / Node (v[\d.]+): all /.exec(r.case)?.[1]
    const otherRuntimes = fp.results.filter(
      (r) => r.case.startsWith('one process, Node ') && onOtherNode(r) !== undefined,
    )
    row(
      fpTarget,
      `${fmt(one?.value ?? NaN)} MB, ${fmt(Number(one?.['cpu %']))} % (one process, the default); ` +
        `${fmt(procs?.value ?? NaN)} MB, ${fmt(Number(procs?.['cpu %']))} % with --processes` +
        otherRuntimes
          .map(
            (r) => `; on Node ${onOtherNode(r)}: ${fmt(r.value)} MB, ${fmt(Number(r['cpu %']))} %`,
          )
          .join('') +
        (fp.command.includes('from src') ? ' (sources through tsx: the CLI was not built)' : ''),
      one === undefined ? undefined : one.value <= 200 && Number(one['cpu %']) <= 3,
    )
    const pis = fp.results.filter(
      (r) => r.case.startsWith('one process, Pi-class') && r.case.includes(': all '),
    )
    const piText = (r: BenchRow): string =>
      `${onOtherNode(r) === undefined ? '' : `on Node ${onOtherNode(r)}: `}${String(r['dropped (all hops)'])} dropped; ` +
      `${fmt(r.value)} MB, ${String(r['cpu %'])} % of the core`
    row(
      'Pi-class (one core, 512 MB): 3 × 10 Hz with zero drops',
      pis.length === 0 ? 'not run (no writable cgroup v1 here)' : pis.map(piText).join('; '),
      pis.length === 0 ? undefined : pis.every((r) => r['dropped (all hops)'] === 0),
    )
  } else row(fpTarget, 'no results', undefined)

  const ov = load(dir, 'mesh-overload')
  if (ov) {
    const long = ov.results.find((r) => r.case.startsWith('3× for'))
    row(
      'RSS growth ≤ 10 % across a 5-minute 3× overload',
      long
        ? `${fmt(long.value, 2)} % (${String(long['rss early MB'])} → ${String(long['rss late MB'])} MB; ${long.case.split(':')[0]})`
        : 'no long run',
      long === undefined ? undefined : long.value <= 10,
    )
    const checked = ov.results.filter((r) => r['in = out + dropped + queued'] !== undefined)
    const holds = checked.filter((r) => r['in = out + dropped + queued'] === 'holds').length
    const e2e = checked.filter(
      (r) => r['offered − (in + broker dropped + broker queued)'] === 0,
    ).length
    row(
      'Drops under overload counted exactly (in = out + dropped + queued)',
      `identity holds to the sample in ${holds} of ${checked.length} runs at the hop; offered = in + broker drops + broker queue in ${e2e} of ${checked.length}`,
      checked.length > 0 && holds === checked.length,
    )
  } else row('RSS growth ≤ 10 % across a 5-minute 3× overload', 'no results', undefined)

  const so = load(dir, 'mesh-scale-out')
  const soTarget = 'Scale-out (issue 13): 2 windowing instances ≥ 1.8 × one, at equal CPU quotas'
  if (so) {
    const two = so.results.find((r) => /^2 windowing instances/.test(r.case))
    const four = so.results.find((r) => /^4 windowing instances/.test(r.case))
    row(
      soTarget,
      two === undefined
        ? 'not run'
        : `${String(two.speedup)} × (${fmt(two.value)} samples/s against one instance's ` +
            `${fmt(two.value / Number(two.speedup))}; quota ${String(two.quota)})` +
            (four === undefined ? '' : `; 4 instances: ${String(four.speedup)} ×`),
      two === undefined ? undefined : Number(two.speedup) >= 1.8,
    )
  } else row(soTarget, 'no results', undefined)

  return [
    '## Targets (issues 7 and 13), from the latest results',
    '',
    'Generated from `bench/results/*.json` by `bench/run-all.ts`; the sections below hold the full tables.',
    '',
    '| target | measured | met |',
    '|---|---|---|',
    ...lines,
  ].join('\n')
}
