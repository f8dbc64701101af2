/**
 * @module external
 * Finding the outside programs interop tests need (mosquitto, nats-server, influxd, socat, …). A test
 * skips with a clear message when one is missing, unless `SLUICE_REQUIRE_EXTERNAL=1` (CI), where a missing
 * program is a failure. Where a Docker engine is reachable, the program's image is the fallback.
 *
 * ```ts
 * const mosq = findProgram('mosquitto')
 * describe.skipIf(!mosq.available)('against mosquitto', () => { … })
 * ```
 */
import { accessSync, constants, existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { ProgramMissingError } from './errors.js'

/** Where a program was found: a local executable, a Docker image to run instead, or a skip reason. */
export type ProgramLookup =
  | {
      readonly available: true
      readonly name: string
      readonly path: string
      readonly image?: undefined
      readonly skip?: undefined
    }
  | {
      readonly available: true
      readonly name: string
      readonly path?: undefined
      /** A Docker engine is reachable and this image provides the program. */
      readonly image: string
      readonly skip?: undefined
    }
  | {
      readonly available: false
      readonly name: string
      readonly path?: undefined
      readonly image?: undefined
      /** Why the test is skipped, for the log. */
      readonly skip: string
    }

/** Default places and package hints for the programs Sluice tests use (Debian paths first). */
export const KNOWN_PROGRAMS: Readonly<
  Record<string, { candidates: readonly string[]; apt: string; image?: string }>
> = {
  mosquitto: {
    candidates: ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto'],
    apt: 'mosquitto',
    image: 'eclipse-mosquitto:2',
  },
  mosquitto_pub: { candidates: ['/usr/bin/mosquitto_pub'], apt: 'mosquitto-clients' },
  mosquitto_sub: { candidates: ['/usr/bin/mosquitto_sub'], apt: 'mosquitto-clients' },
  // No image: a cluster's nodes route to each other on loopback ports, which containers do not share.
  'nats-server': {
    candidates: ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'],
    apt: 'nats-server',
  },
  influxd: {
    candidates: ['/usr/bin/influxd', '/usr/local/bin/influxd'],
    apt: 'influxdb',
    image: 'influxdb:1.8',
  },
  socat: { candidates: ['/usr/bin/socat'], apt: 'socat' },
  chromium: { candidates: ['/usr/bin/chromium', '/usr/bin/chromium-browser'], apt: 'chromium' },
  'qemu-system-avr': { candidates: ['/usr/bin/qemu-system-avr'], apt: 'qemu-system-misc' },
  'avr-gcc': { candidates: ['/usr/bin/avr-gcc'], apt: 'gcc-avr avr-libc binutils-avr' },
  ip: { candidates: ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'], apt: 'iproute2' },
  openssl: { candidates: ['/usr/bin/openssl'], apt: 'openssl' },
}

/** True when `SLUICE_REQUIRE_EXTERNAL=1`: missing outside programs fail instead of skipping. */
export function externalRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SLUICE_REQUIRE_EXTERNAL === '1'
}

/**
 * True when a Docker engine looks reachable: `DOCKER_HOST` is set or `/var/run/docker.sock` exists.
 * testcontainers does the real connection check when a container is started.
 */
export function dockerAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.DOCKER_HOST ?? '') !== '' || existsSync('/var/run/docker.sock')
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Options of {@link requireProgram}. */
export interface RequireProgramOptions {
  /** A Docker image that provides the program, used when it is not installed but Docker is. */
  readonly image?: string
  /** Environment to read `PATH`, `SLUICE_REQUIRE_EXTERNAL` and `DOCKER_HOST` from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv
  /** Where to print the skip message (default stderr); `null` for silence. */
  readonly log?: ((line: string) => void) | null
}

/**
 * Looks for `name` in `candidates` (absolute paths) and then on `PATH`. When it is missing: with a Docker
 * engine and an `image`, returns the image; with `SLUICE_REQUIRE_EXTERNAL=1`, throws
 * {@link ProgramMissingError}; otherwise returns a skip reason and logs it.
 *
 * @example
 * ```ts
 * const socat = requireProgram('socat', ['/usr/bin/socat'])
 * describe.skipIf(!socat.available)('serial over a pty pair', () => { … })
 * ```
 */
export function requireProgram(
  name: string,
  candidates: readonly string[] = [],
  options: RequireProgramOptions = {},
): ProgramLookup {
  const env = options.env ?? process.env
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, name))
  for (const path of [...candidates, ...onPath]) {
    if (isExecutable(path)) return { available: true, name, path }
  }
  if (options.image !== undefined && dockerAvailable(env)) {
    return { available: true, name, image: options.image }
  }
  const known = KNOWN_PROGRAMS[name]
  const where = [...candidates, 'PATH'].join(', ')
  const hint = known === undefined ? '' : ` Install it with: apt-get install ${known.apt}.`
  if (externalRequired(env)) {
    throw new ProgramMissingError(
      `${name} is required (SLUICE_REQUIRE_EXTERNAL=1) but was not found in ${where}.${hint}`,
    )
  }
  const skip = `${name} not found in ${where}; skipping the tests that need it.${hint} Set SLUICE_REQUIRE_EXTERNAL=1 to make this a failure.`
  const log =
    options.log === undefined ? (line: string) => process.stderr.write(`${line}\n`) : options.log
  log?.(`[sluice testkit] ${skip}`)
  return { available: false, name, skip }
}

/**
 * {@link requireProgram} with the known candidates and Docker image of a program Sluice tests use
 * (see {@link KNOWN_PROGRAMS}).
 *
 * @example
 * ```ts
 * const mosq = findProgram('mosquitto')
 * describe.skipIf(!mosq.available)('against mosquitto', () => { … })
 * ```
 */
export function findProgram(name: string, options: RequireProgramOptions = {}): ProgramLookup {
  const known = KNOWN_PROGRAMS[name]
  const image = options.image ?? known?.image
  return requireProgram(name, known?.candidates ?? [], {
    ...options,
    ...(image === undefined ? {} : { image }),
  })
}
