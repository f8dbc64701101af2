/**
 * @module netns
 * Two "hosts" on one machine, for tests of what crosses a network (the Pi and the laptop of
 * docs/deploy.md): two Linux network namespaces joined by a veth pair, with a private /30 between them.
 * Programs run inside a host with `ip netns exec`, so they see only that namespace's loopback and its end
 * of the link; the test can cut the link (`ip link set … down`) and restore it.
 *
 * Nothing outside the namespaces is touched: the veth ends are created directly inside them (never in the
 * machine's own namespace), the addresses exist only there, and every name carries a random run id so
 * that parallel runs do not collide. {@link NetnsPair.remove} deletes both namespaces (which deletes the
 * link), and an exit hook does it too if the test process ends first.
 *
 * Needs `ip` (iproute2) and the right to create namespaces (root, or CAP_SYS_ADMIN + CAP_NET_ADMIN).
 * {@link netnsSupport} says whether both are there, for `describe.skipIf`.
 *
 * ```ts
 * const ns = netnsSupport()
 * describe.skipIf(!ns.available)('across a link', () => {
 *   const pair = await createNetnsPair()
 *   const server = await pair.exec(pair.a, 'node', ['server.js', '--host', pair.a.address])
 *   await pair.cut()
 *   …
 *   await pair.remove()
 * })
 * ```
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { NetnsUnavailableError } from './errors.js'
import { externalRequired, findProgram } from './external.js'
import { startProcess, type RunningProcess, type StartProcessOptions } from './process.js'

/** One end of the link: a namespace, its interface and its address. */
export interface NetnsHost {
  /** The namespace name (`ip netns exec <name> …`). */
  readonly name: string
  /** Its end of the veth pair. */
  readonly iface: string
  /** Its IPv4 address on the link (no prefix length). */
  readonly address: string
}

/** What a one-shot command run inside a host printed, and how it ended. */
export interface NetnsRunResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Options of {@link NetnsPair.run}. */
export interface NetnsRunOptions {
  /** Written to its stdin, which is then closed (default: nothing, closed at once). */
  readonly input?: string
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  /** Killed after this many ms (default 30 000); the result then has `code: null`. */
  readonly timeout?: number
}

/** Two namespaces joined by a veth pair. */
export interface NetnsPair {
  readonly a: NetnsHost
  readonly b: NetnsHost
  /** The link's prefix length (30). */
  readonly prefixLength: number
  /** Starts a long-running program inside `host` ({@link startProcess} through `ip netns exec`). */
  exec(
    host: NetnsHost,
    command: string,
    args: readonly string[],
    options?: StartProcessOptions,
  ): Promise<RunningProcess>
  /** Runs a command inside `host` to its end. */
  run(
    host: NetnsHost,
    command: string,
    args: readonly string[],
    options?: NetnsRunOptions,
  ): Promise<NetnsRunResult>
  /** Cuts the link: `ip link set <a's end> down` (b's end loses its carrier). */
  cut(): Promise<void>
  /** Restores it: a's end up again. */
  restore(): Promise<void>
  /** Deletes both namespaces and the link. Safe to call twice; never throws. */
  remove(): Promise<void>
}

/** Options of {@link createNetnsPair}. */
export interface NetnsPairOptions {
  /** Words in the namespace names, for people reading `ip netns list` (default `a`, `b`). */
  readonly labels?: readonly [string, string]
  /** Path of `ip` (default: found by `findProgram`). */
  readonly ip?: string
}

/** Whether namespaces can be made here: for `describe.skipIf(!netnsSupport().available)`. */
export type NetnsSupport =
  | { readonly available: true; readonly ip: string; readonly skip?: undefined }
  | { readonly available: false; readonly ip?: undefined; readonly skip: string }

const PREFIX_LENGTH = 30
const leftovers = new Set<string>()
let exitHookInstalled = false

function ipPath(explicit?: string): string {
  if (explicit !== undefined) return explicit
  const lookup = findProgram('ip', { log: null })
  if (lookup.path === undefined) {
    throw new NetnsUnavailableError(
      'ip (iproute2) is not installed: apt-get install iproute2, or skip the test.',
    )
  }
  return lookup.path
}

function ip(path: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(path, [...args], { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (err === null) {
        resolve()
        return
      }
      reject(
        new NetnsUnavailableError(`ip ${args.join(' ')} failed: ${stderr.trim() || err.message}`, {
          cause: err,
        }),
      )
    })
  })
}

function deleteNamespaceSync(path: string, name: string): void {
  try {
    execFileSync(path, ['netns', 'del', name], { stdio: 'ignore', timeout: 5000 })
  } catch {
    // Already gone.
  }
}

function installExitHook(path: string): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // 'exit' handlers must be synchronous; so is execFileSync. Processes still inside a namespace are
  // killed by startProcess' own exit hook.
  process.once('exit', () => {
    for (const name of leftovers) deleteNamespaceSync(path, name)
  })
}

/**
 * Checks, once, that `ip` exists and that a namespace can be created and deleted here. Without either it
 * logs a skip reason and returns it, or throws {@link NetnsUnavailableError} under
 * `SLUICE_REQUIRE_EXTERNAL=1`.
 */
export function netnsSupport(
  options: {
    env?: NodeJS.ProcessEnv
    log?: ((line: string) => void) | null
    /** Path of `ip` (default: found by `findProgram`). */
    ip?: string
  } = {},
): NetnsSupport {
  const env = options.env ?? process.env
  const log =
    options.log === undefined ? (line: string) => process.stderr.write(`${line}\n`) : options.log
  const lookup =
    options.ip === undefined ? findProgram('ip', { env, log: null }) : { path: options.ip }
  const unavailable = (why: string): NetnsSupport => {
    if (externalRequired(env)) {
      throw new NetnsUnavailableError(
        `Network namespaces are required (SLUICE_REQUIRE_EXTERNAL=1) but ${why}`,
      )
    }
    const skip = `${why}; skipping the tests that need two network namespaces. Set SLUICE_REQUIRE_EXTERNAL=1 to make this a failure.`
    log?.(`[sluice testkit] ${skip}`)
    return { available: false, skip }
  }
  if (lookup.path === undefined)
    return unavailable('ip (iproute2) was not found: apt-get install iproute2')
  const probe = `sluice-probe-${process.pid}-${randomBytes(3).toString('hex')}`
  try {
    execFileSync(lookup.path, ['netns', 'add', probe], { stdio: 'pipe', timeout: 5000 })
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim()
    return unavailable(
      `this process cannot create a network namespace (${stderr || (err as Error).message}): ` +
        'it needs root or CAP_SYS_ADMIN and CAP_NET_ADMIN (a container needs --privileged or those caps)',
    )
  }
  deleteNamespaceSync(lookup.path, probe)
  return { available: true, ip: lookup.path }
}

/** A random private /30 in 10.0.0.0/8: [network, a's address, b's address]. */
function randomLink(): [string, string] {
  const base = `10.${randomInt(0, 256)}.${randomInt(0, 256)}`
  const net = randomInt(0, 64) * 4
  return [`${base}.${net + 1}`, `${base}.${net + 2}`]
}

/**
 * Creates two namespaces joined by a veth pair with a random private /30, both ends and both loopbacks
 * up. On any failure, removes what it made and throws {@link NetnsUnavailableError}.
 *
 * @example
 * ```ts
 * const pair = await createNetnsPair({ labels: ['pi', 'laptop'] })
 * const r = await pair.run(pair.b, 'cat', ['/proc/net/dev'])
 * await pair.remove()
 * ```
 */
export async function createNetnsPair(options: NetnsPairOptions = {}): Promise<NetnsPair> {
  const path = ipPath(options.ip)
  installExitHook(path)
  const id = randomBytes(3).toString('hex')
  const [labelA, labelB] = options.labels ?? ['a', 'b']
  const [addrA, addrB] = randomLink()
  const a: NetnsHost = { name: `sluice-${id}-${labelA}`, iface: `sl${id}a`, address: addrA }
  const b: NetnsHost = { name: `sluice-${id}-${labelB}`, iface: `sl${id}b`, address: addrB }
  let removed = false
  const remove = async (): Promise<void> => {
    if (removed) return
    removed = true
    // Deleting a namespace deletes the veth end inside it, and with it the peer.
    for (const host of [a, b]) {
      await ip(path, ['netns', 'del', host.name]).catch(() => undefined)
      leftovers.delete(host.name)
    }
  }
  try {
    for (const host of [a, b]) {
      leftovers.add(host.name)
      await ip(path, ['netns', 'add', host.name])
    }
    // Both ends are born inside their namespaces: the machine's own namespace never sees them.
    await ip(path, [
      'link',
      'add',
      a.iface,
      'netns',
      a.name,
      'type',
      'veth',
      'peer',
      'name',
      b.iface,
      'netns',
      b.name,
    ])
    for (const host of [a, b]) {
      await ip(path, [
        '-n',
        host.name,
        'addr',
        'add',
        `${host.address}/${PREFIX_LENGTH}`,
        'dev',
        host.iface,
      ])
      await ip(path, ['-n', host.name, 'link', 'set', 'lo', 'up'])
      await ip(path, ['-n', host.name, 'link', 'set', host.iface, 'up'])
    }
  } catch (err) {
    await remove()
    throw err
  }

  return {
    a,
    b,
    prefixLength: PREFIX_LENGTH,
    exec(host, command, args, processOptions = {}) {
      return startProcess(path, ['netns', 'exec', host.name, command, ...args], {
        name: `${command.split('/').pop() ?? command}@${host.name}`,
        ...processOptions,
      })
    },
    run(host, command, args, runOptions = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(path, ['netns', 'exec', host.name, command, ...args], {
          env: runOptions.env ?? process.env,
          cwd: runOptions.cwd,
          stdio: ['pipe', 'pipe', 'pipe'],
        })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
        const timer = setTimeout(() => child.kill('SIGKILL'), runOptions.timeout ?? 30_000)
        child.once('error', (err) => {
          clearTimeout(timer)
          reject(err)
        })
        child.once('close', (code) => {
          clearTimeout(timer)
          resolve({ code, stdout, stderr })
        })
        child.stdin.end(runOptions.input ?? '')
      })
    },
    cut: () => ip(path, ['-n', a.name, 'link', 'set', a.iface, 'down']),
    restore: () => ip(path, ['-n', a.name, 'link', 'set', a.iface, 'up']),
    remove,
  }
}
