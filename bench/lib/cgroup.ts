/**
 * @module bench/lib/cgroup
 * A CPU quota per benchmarked process, so that "n instances" means n equal shares of CPU and not n
 * processes racing for the same two cores, and with a memory limit a Pi-class machine
 * (`bench/footprint`). This machine has cgroup v1 (the `cpu` controller mounted at
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
const MEMORY_ROOT = '/sys/fs/cgroup/memory'

/** One cgroup with a CPU quota, and a memory limit if asked. */
export interface CpuQuota {
  /** The group in the `cpu` hierarchy. */
  readonly path: string
  /**
   * Its `cgroup.procs` files, one per controller: a process that joins them itself before Node starts
   * (`StartOptions.cgroupProcs` in `procs.ts`) has its heap sized by the memory limit.
   */
  readonly procsFiles: readonly string[]
  /** Moves a process (all its threads) into the cgroup. */
  add(pid: number): void
  /** `cpu.stat`: periods, throttled periods, throttled time (s). */
  stat(): { periods: number; throttled: number; throttledSeconds: number }
  /** Moves what is left to the root cgroups and removes this one. */
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

/** Moves what is left in the group at `path` to its hierarchy's root, and removes it. */
function removeGroup(path: string, root: string): void {
  if (!existsSync(path)) return
  const pids = readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)
  for (const pid of pids) {
    try {
      writeFileSync(join(root, 'cgroup.procs'), pid)
    } catch {
      // it ended meanwhile
    }
  }
  rmdirSync(path)
}

/**
 * Makes cgroup `name` limited to `cores` of one core (e.g. 0.25) over `periodUs`, and with
 * `memoryBytes` to that much memory (`memory.limit_in_bytes`, the `memory` controller). Throws when the
 * hierarchy is not writable, having removed what it made.
 */
export function createCpuQuota(
  name: string,
  cores: number,
  { periodUs = 100_000, memoryBytes }: { periodUs?: number; memoryBytes?: number } = {},
): CpuQuota {
  const path = join(CPU_ROOT, name)
  const memory = memoryBytes === undefined ? undefined : join(MEMORY_ROOT, name)
  const groups: [string, string][] = [[path, CPU_ROOT]]
  if (memory !== undefined) groups.push([memory, MEMORY_ROOT])
  const remove = (): void => {
    for (const [group, root] of groups) removeGroup(group, root)
  }
  try {
    for (const [group] of groups) if (!existsSync(group)) mkdirSync(group)
    writeFileSync(join(path, 'cpu.cfs_period_us'), String(periodUs))
    writeFileSync(join(path, 'cpu.cfs_quota_us'), String(Math.round(cores * periodUs)))
    if (memory !== undefined)
      writeFileSync(join(memory, 'memory.limit_in_bytes'), String(memoryBytes))
  } catch (err) {
    try {
      remove()
    } catch {
      // left as it was: the error below says why
    }
    throw err
  }
  const procsFiles = groups.map(([group]) => join(group, 'cgroup.procs'))
  return {
    path,
    procsFiles,
    add(pid) {
      for (const f of procsFiles) writeFileSync(f, String(pid))
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
    remove,
  }
}
