/**
 * Every `sluice …` command line in README.md and docs/*.md, run so that none can rot: the documented form is
 * `pnpm sluice …` at the repository root (a bare `sluice` only where a page installs one on the PATH, as
 * docs/deploy.md does for systemd), each subcommand answers `--help`, and every flag a line uses is one that
 * subcommand's help lists. Command lines are the lines of ```sh blocks, and inline code that passes flags.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { commands, usage } from '../src/commands.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const pages = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => join('docs', f))].filter(
  (f) => f.endsWith('.md'),
)

interface DocCommand {
  readonly page: string
  readonly text: string
  readonly viaPnpm: boolean
  readonly args: readonly string[]
}

/** The words after `sluice`, up to the end of the shell command (comment, pipe, `&&`, `&`, redirection). */
function words(rest: string): string[] {
  const end = rest.search(/\s#|&&|\|\||[|;&>]/)
  const cmd = end === -1 ? rest : rest.slice(0, end)
  return [...cmd.matchAll(/'[^']*'|"[^"]*"|\S+/g)].map((m) => m[0].replace(/^['"]|['"]$/g, ''))
}

/** `sluice` as a command, not as a path, a package scope, a group (`-g sluice`) or a topic prefix. */
const COMMAND = /(?<![\w/@~.-]|-g )(pnpm )?sluice((?: +[^\s`]+)*)/g

function commandsIn(page: string): DocCommand[] {
  const md = readFileSync(join(root, page), 'utf8')
  const found: DocCommand[] = []
  const add = (text: string, requireFlag: boolean): void => {
    for (const m of text.matchAll(COMMAND)) {
      const args = words(m[2] ?? '')
      const first = args[0]
      // A name in prose (`sluice up`) or a placeholder (`sluice <command>`) is not a command line.
      if (first === undefined || !/^([a-z]+|--?[a-z]+)$/.test(first)) continue
      if (requireFlag && !args.some((a) => a.startsWith('-'))) continue
      found.push({ page, text: m[0].trim(), viaPnpm: m[1] !== undefined, args })
    }
  }
  const fenced = /```(\w*)\n([\s\S]*?)```/g
  for (const block of md.matchAll(fenced))
    if (block[1] === 'sh') for (const line of block[2]!.split('\n')) add(line, false)
  const prose = md.replace(fenced, '')
  for (const span of prose.matchAll(/`([^`\n]+)`/g)) add(span[1]!, true)
  return found
}

const all = pages.flatMap(commandsIn)
const bySubcommand = new Map<string, DocCommand[]>()
for (const c of all) {
  const name = c.args[0]!.startsWith('-') ? '--help' : c.args[0]!
  bySubcommand.set(name, [...(bySubcommand.get(name) ?? []), c])
}

/**
 * What `sluice <command> [sub] --help` prints (or the top-level usage), run in this process. `sub` is a
 * sub-subcommand with a help of its own (`sluice lab edge --help`).
 */
async function helpOf(
  name: string | undefined,
  sub?: string,
): Promise<{ code: number | undefined; text: string }> {
  if (name === undefined || name.startsWith('-')) return { code: 0, text: usage() }
  const command = commands[name]
  if (command === undefined) return { code: 2, text: '' }
  let text = ''
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk)
    return true
  })
  try {
    return {
      code: (await command.run(sub === undefined ? ['--help'] : [sub, '--help'])) ?? 0,
      text,
    }
  } finally {
    spy.mockRestore()
  }
}

/** `--hops.raw.qos` is listed as `--hops.<hop>.qos`; `--name=value` as `--name`. */
const flagName = (arg: string): string =>
  arg.replace(/=.*$/, '').replace(/^--hops\.[a-z0-9_-]+\./, '--hops.<hop>.')

describe('the command lines in README.md and docs/*.md', () => {
  it('finds the command lines of every page that has some', () => {
    const byPage = new Set(all.map((c) => c.page))
    expect([...byPage].sort()).toEqual(
      expect.arrayContaining(['README.md', 'docs/anomaly.md', 'docs/deploy.md']),
    )
    expect(all.length).toBeGreaterThan(15)
  })

  it('write the command as `pnpm sluice`, except where the page puts a sluice on the PATH', () => {
    const bare = all
      .filter((c) => !c.viaPnpm)
      .filter((c) => !readFileSync(join(root, c.page), 'utf8').includes('/usr/local/bin/sluice'))
      .map((c) => `${c.page}: ${c.text}`)
    expect(bare).toEqual([])
  })

  for (const [name, lines] of bySubcommand) {
    it(`run: sluice ${name} --help, and use only flags it lists`, async () => {
      const help = await helpOf(name === '--help' ? undefined : name)
      expect(help.code, `sluice ${name} --help`).toBe(0)
      expect(help.text).toMatch(/Usage: sluice/)
      for (const line of lines) {
        const rest = line.args.slice(1)
        const sub = rest[0] !== undefined && /^[a-z][a-z-]*$/.test(rest[0]) ? rest[0] : undefined
        // A sub-subcommand (`sluice broker passwd …`, `sluice lab edge …`) must be one the help names;
        // its flags may be listed by its own help.
        let listed = help.text
        if (sub !== undefined) {
          expect(help.text, `${line.page}: ${line.text}`).toMatch(
            new RegExp(`sluice ${name} ${sub}\\b|^  ${sub} `, 'm'),
          )
          const own = await helpOf(name, sub)
          if (own.code === 0) listed += own.text
        }
        const flags = rest.filter((a) => a.startsWith('--') && a !== '--help').map(flagName)
        for (const flag of flags) expect(listed, `${line.page}: ${line.text}`).toContain(flag)
      }
    })
  }

  it('works as the README writes it: pnpm sluice --help at the repository root', () => {
    const r = spawnSync('pnpm', ['--silent', 'sluice', '--help'], { cwd: root, encoding: 'utf8' })
    expect(r.error, 'pnpm must be on the PATH (the README installs it)').toBeUndefined()
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain('Usage: sluice <command>')
    for (const name of Object.keys(commands)) expect(r.stdout).toContain(`  ${name} `)
  })
})
