/**
 * @module commands/health
 * `sluice health`: a healthcheck for containers and systemd. Exit 0 when the broker answers and, with
 * `--service`, when that service's retained status says `online`; exit 1 otherwise, with the reason.
 */
import { parseArgs } from 'node:util'
import { decodeStatus, statusTopic } from '@sluice/contract'
import mqtt from 'mqtt'

export const HEALTH_USAGE = `Usage: sluice health --broker <url> [--service <name> [--instance <id>]] [--timeout <ms>]
                    [--username <user> --password <password>] [--prefix <p>]

Exits 0 when the broker accepts a connection and, with --service, when the service's retained status is
"online" (any instance unless --instance is given); exits 1 and says why otherwise. Credentials default to
SLUICE_USERNAME and SLUICE_PASSWORD, as for the services (needed off loopback on a broker with users).`

/** Runs the check; `env` supplies SLUICE_USERNAME / SLUICE_PASSWORD when the flags do not. */
export async function runHealth(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
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
  const username = values.username ?? env.SLUICE_USERNAME
  const password = values.password ?? env.SLUICE_PASSWORD
  let client: mqtt.MqttClient
  try {
    client = await mqtt.connectAsync(values.broker, {
      reconnectPeriod: 0,
      connectTimeout: timeout,
      clientId: `sluice-health-${process.pid}`,
      ...(username !== undefined && username !== '' ? { username } : {}),
      ...(password !== undefined && password !== '' ? { password } : {}),
    })
  } catch (err) {
    process.stderr.write(
      `unhealthy: broker ${values.broker} unreachable: ${(err as Error).message}\n`,
    )
    return 1
  }
  try {
    if (values.service === undefined) return 0
    const service = values.service
    let refused: string | undefined
    const online = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeout)
      client.on('message', (_topic, payload) => {
        const s = decodeStatus(payload)
        if (s.ok && s.value.state === 'online') {
          clearTimeout(timer)
          resolve(true)
        }
      })
      const topic =
        values.instance === '+'
          ? `${values.prefix}/_sys/${service}/+/status`
          : statusTopic(values.prefix, service, values.instance)
      // A refused subscription (no read access in the ACL) would otherwise look like a service that is down.
      client.subscribe(topic, { qos: 0 }, (err) => {
        if (err === null || err === undefined) return
        clearTimeout(timer)
        refused =
          `the broker refused the subscription to ${topic} (${err.message}): ` +
          `let this user read ${values.prefix}/_sys/# in the broker's ACL`
        resolve(false)
      })
    })
    if (!online) {
      process.stderr.write(
        `unhealthy: ${refused ?? `no online status from ${service} within ${timeout} ms`}\n`,
      )
    }
    return online ? 0 : 1
  } finally {
    await client.endAsync()
  }
}
