/**
 * @module commands/health
 * `sluice health`: a healthcheck for containers and systemd. Exit 0 when the broker answers and, with
 * `--service`, when that service says `online` in its retained status *and* is heard from now (it
 * publishes metrics every second, DESIGN.md §6); exit 1 otherwise, with the reason.
 *
 * Why both: the retained status is what the broker last knew. A service whose host dropped off the
 * network keeps its `online` status until the broker notices the dead connection and publishes its last
 * will, which takes 1.5 × the keepalive (45 s with Sluice's 30 s) — longer than many outages. Its
 * metrics stop at once, so a fresh metrics message is what tells a live service from a stale status
 * (docs/deploy.md, "When the link drops").
 */
import { parseArgs } from 'node:util'
import { decodeStatus, metricsFilter, parseTopic, statusFilter } from '@sluice/contract'
import { createTransport, type Transport } from '@sluice/mesh'

export const HEALTH_USAGE = `Usage: sluice health --broker <url> [--service <name> [--instance <id>]] [--timeout <ms>]
                    [--username <user> --password <password>] [--prefix <p>]

Exits 0 when the broker accepts a connection and, with --service, when the service's retained status is
"online" and it publishes metrics within --timeout (any instance unless --instance is given); exits 1 and
says why otherwise: a service whose status says online but that publishes nothing has lost its
connection, which the broker notices only after 1.5 x its keepalive. --timeout (default 3000 ms) must
exceed the service's metricsIntervalMs. --broker may be MQTT (mqtt://…) or NATS (nats://host:4222, as the
services take it). The broker defaults to SLUICE_BROKER and the credentials to
SLUICE_USERNAME and SLUICE_PASSWORD, as for the services (needed off loopback on a broker with users).`

/** Runs the check; `env` supplies SLUICE_USERNAME / SLUICE_PASSWORD when the flags do not. */
export async function runHealth(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      broker: { type: 'string' },
      service: { type: 'string' },
      instance: { type: 'string', default: '+' },
      prefix: { type: 'string', default: 'sluice' },
      timeout: { type: 'string', default: '3000' },
      username: { type: 'string' },
      password: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help === true) {
    process.stdout.write(HEALTH_USAGE + '\n')
    return 0
  }
  const timeout = Number(values.timeout)
  // NaN would make the status wait end at once and report a healthy service as missing.
  if (!(timeout > 0)) {
    process.stderr.write(
      `sluice health: --timeout must be a positive number of milliseconds, got "${values.timeout}"\n`,
    )
    return 2
  }
  const broker = values.broker ?? env.SLUICE_BROKER ?? 'mqtt://127.0.0.1:1883'
  const username = values.username ?? env.SLUICE_USERNAME
  const password = values.password ?? env.SLUICE_PASSWORD
  // MQTT or NATS (nats://, several seeds) by the URL, as the services connect.
  const client = createTransport({
    url: broker,
    clientId: `sluice-health-${process.pid}`,
    prefix: values.prefix,
    reconnectPeriod: 0,
    connectTimeout: timeout,
    ...(username !== undefined && username !== '' ? { username } : {}),
    ...(password !== undefined && password !== '' ? { password } : {}),
  })
  try {
    await client.connect()
  } catch (err) {
    process.stderr.write(`unhealthy: broker ${broker} unreachable: ${(err as Error).message}\n`)
    return 1
  }
  try {
    if (values.service === undefined) return 0
    const problem = await serviceProblem(client, {
      prefix: values.prefix,
      service: values.service,
      instance: values.instance,
      timeout,
    })
    if (problem !== undefined) process.stderr.write(`unhealthy: ${problem}\n`)
    return problem === undefined ? 0 : 1
  } finally {
    await client.close()
  }
}

/** What {@link serviceProblem} checks. */
interface ServiceCheck {
  readonly prefix: string
  readonly service: string
  /** An instance id, or `+` for any. */
  readonly instance: string
  readonly timeout: number
}

/**
 * Waits up to `timeout` for an instance of the service that says `online` in its retained status and
 * publishes metrics; resolves undefined once one does, else with what is wrong.
 */
function serviceProblem(client: Transport, check: ServiceCheck): Promise<string | undefined> {
  const { prefix, service, instance, timeout } = check
  const online = new Set<string>()
  const heard = new Set<string>()
  const id = instance === '+' ? undefined : instance
  const topics = [statusFilter(prefix, service, id), metricsFilter(prefix, service, id)]
  return new Promise((resolve) => {
    const finish = (problem: string | undefined): void => {
      clearTimeout(timer)
      resolve(problem)
    }
    const timer = setTimeout(() => {
      const stale = [...online].filter((id) => !heard.has(id))
      finish(
        stale.length > 0
          ? `${stale.map((id) => `${service}/${id}`).join(', ')} says online (retained status) but ` +
              `published no metrics within ${timeout} ms: it has probably lost its connection; the ` +
              'broker publishes its last will (offline) once 1.5 × its keepalive has passed'
          : `no online status from ${service} within ${timeout} ms`,
      )
    }, timeout)
    client.onMessage(({ topic, payload }, ack) => {
      ack()
      const t = parseTopic(prefix, topic)
      if (t === null || (t.kind !== 'status' && t.kind !== 'metrics')) return
      if (t.kind === 'metrics') heard.add(t.instance)
      else {
        const s = decodeStatus(payload)
        if (s.ok && s.value.state === 'online') online.add(t.instance)
        else online.delete(t.instance)
      }
      if (online.has(t.instance) && heard.has(t.instance)) finish(undefined)
    })
    // A refused subscription (no read access in the ACL) would otherwise look like a service that is down.
    client.subscribe(topics, 0).catch((err: unknown) =>
      finish(
        `the broker refused the subscription to ${topics.join(' and ')} (${(err as Error).message}): ` +
          `let this user read ${prefix}/_sys/# in the broker's ACL`,
      ),
    )
  })
}
