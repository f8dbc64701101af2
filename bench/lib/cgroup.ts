/**
 * @module bench/lib/cgroup
 * A CPU quota per benchmarked process, so that "n instances" means n equal shares of CPU and not n
 * processes racing for the same two cores. This machine has cgroup v1 (the `cpu` controller mounted at
 * `/sys/fs/cgroup/cpu`, no cgroup v2 controllers): one child cgroup per process, with
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us` = the share of one core (CFS bandwidth control, kernel
 * Documentation/scheduler/sched-bwc.rst), the process moved in by writing its PID to `cgroup.procs`
 * (which moves all its threads). Removing a cgroup moves what is still in it back to the root first,
 * since a cgroup with members cannot be removed. When the hierarchy is not writable, {@link cpuQuotas}
 * says why and the caller runs without quotas.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const CPU_ROOT = '/sys/fs/cgroup/cpu'

/** One cgroup with a CPU quota. */
export interface CpuQuota {
  readonly path: string
  /** Moves a process (all its threads) into the cgroup. */
  add(pid: number): void
  /** `cpu.stat`: periods, throttled periods, throttled time (s). */
  stat(): { periods: number; throttled: number; throttledSeconds: number }
  /** Moves what is left to the root cgroup and removes this one. */
  remove(): void
}

/** What {@link cpuQuotas} could set up. */
export type QuotaSupport =
  | { readonly ok: true; readonly mechanism: string }
  | { readonly ok: false; readonly reason: string }

/** Whether cgroup v1 CPU quotas can be made here (tries a throw-away cgroup). */
export function cpuQuotaSupport(): QuotaSupport {
  if (!existsSync(join(CPU_ROOT, 'cpu.cfs_quota_us')))
    return { ok: false, reason: `no cgroup v1 cpu controller at ${CPU_ROOT}` }
  const probe = join(CPU_ROOT, `sluice-bench-probe-${process.pid}`)
  try {
    mkdirSync(probe)
    writeFileSync(join(probe, 'cpu.cfs_quota_us'), '50000')
    rmdirSync(probe)
    return {
      ok: true,
      mechanism: `cgroup v1 cpu controller (${CPU_ROOT}/<name>/cpu.cfs_quota_us over cpu.cfs_period_us)`,
    }
  } catch (err) {
    try {
      rmdirSync(probe)
    } catch {
      // it was never made
    }
    return { ok: false, reason: `${CPU_ROOT} is not writable here: ${(err as Error).message}` }
  }
}

/** Makes cgroup `name` limited to `cores` of one core (e.g. 0.25) over `periodUs`. */
export function createCpuQuota(name: string, cores: number, periodUs = 100_000): CpuQuota {
  const path = join(CPU_ROOT, name)
  if (!existsSync(path)) mkdirSync(path)
  writeFileSync(join(path, 'cpu.cfs_period_us'), String(periodUs))
  writeFileSync(join(path, 'cpu.cfs_quota_us'), String(Math.round(cores * periodUs)))
  return {
    path,
    add(pid) {
      writeFileSync(join(path, 'cgroup.procs'), String(pid))
    },
    stat() {
      const text = readFileSync(join(path, 'cpu.stat'), 'utf8')
      const get = (k: string): number =>
        Number(new RegExp(`^${k} (\\d+)`, 'm').exec(text)?.[1] ?? 0)
      return {
        periods: get('nr_periods'),
        throttled: get('nr_throttled'),
        throttledSeconds: get('throttled_time') / 1e9,
      }
    },
    remove() {
      if (!existsSync(path)) return
      const pids = readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)
      for (const pid of pids) {
        try {
          writeFileSync(join(CPU_ROOT, 'cgroup.procs'), pid)
        } catch {
          // it ended meanwhile
        }
      }
      rmdirSync(path)
    },
  }
}
