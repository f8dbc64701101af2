// TEMPORARY until testkit's startNatsServer lands (branch nats-infra).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitFor } from '@sluice/testkit'
import { connect } from 'node:net'

export async function startNatsServer(): Promise<{
  url: string
  pid: number
  stop(): Promise<void>
}> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'nats-'))
  const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], {
    stdio: 'ignore',
  })
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1', () => {
          s.destroy()
          resolve(true)
        })
        s.on('error', () => resolve(false))
      }),
    { timeout: 10_000 },
  )
  return {
    url: `nats://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
