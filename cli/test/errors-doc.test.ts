/**
 * docs/errors.md is the one table of error codes (STYLE.md, Errors): every `SLUICE_ERR_…` code that a
 * package's `src/` names, in code or in a comment, is listed there, and every code listed there is still
 * defined in some `src/` (a string literal outside comments). Other documents may mention codes, but only
 * ones the table lists.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const PACKAGE_DIRS = ['libs', 'services', 'broker', 'cli', 'firmware']

/** A whole code: `SLUICE_ERR_MESH_…` or `SLUICE_ERR_<AREA>_<WHAT>` in prose are not codes. */
const CODE = /SLUICE_ERR_[A-Z0-9]+(?:_[A-Z0-9]+)*(?![A-Za-z0-9_…<])/g

function files(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) files(p, keep, out)
    else if (keep(p)) out.push(p)
  }
  return out
}

const sources = PACKAGE_DIRS.flatMap((d) =>
  files(
    join(root, d),
    (p) => /\.(ts|tsx|js|mjs)$/.test(p) && !/\.test\.ts$/.test(p) && p.includes('/src/'),
  ),
)

/** Each code with the first source file that names it. */
function codesIn(paths: readonly string[], text: (path: string) => string): Map<string, string> {
  const found = new Map<string, string>()
  for (const p of paths)
    for (const [code] of text(p).matchAll(CODE))
      if (!found.has(code)) found.set(code, relative(root, p))
  return found
}

/** Outside comments, in quotes: where a code is defined rather than cited. */
function definitions(path: string): string {
  const code = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l))
    .join('\n')
  return [...code.matchAll(/['"`](SLUICE_ERR_[A-Z0-9_]+)['"`]/g)].map((m) => m[1]).join('\n')
}

const errorsDoc = join(root, 'docs', 'errors.md')
const documented = new Set(readFileSync(errorsDoc, 'utf8').match(CODE))
const named = codesIn(sources, (p) => readFileSync(p, 'utf8'))
const defined = codesIn(sources, definitions)

describe('docs/errors.md', () => {
  it('lists every error code that a package names in src/', () => {
    expect(defined.size).toBeGreaterThan(30)
    const missing = [...named]
      .filter(([code]) => !documented.has(code))
      .map(([c, p]) => `${c} (${p})`)
    expect(missing).toEqual([])
  })

  it('lists only codes that some package still defines in src/', () => {
    const stale = [...documented].filter((code) => !defined.has(code)).sort()
    expect(stale).toEqual([])
  })

  it('is the only table: other documents mention only codes it lists', () => {
    const docs = [
      ...files(join(root, 'docs'), (p) => p.endsWith('.md') && p !== errorsDoc),
      ...['README.md', ...PACKAGE_DIRS].flatMap((d) =>
        statSync(join(root, d)).isDirectory()
          ? files(join(root, d), (p) => p.endsWith('.md'))
          : [join(root, d)],
      ),
    ]
    const unknown = [...codesIn(docs, (p) => readFileSync(p, 'utf8'))]
      .filter(([code]) => !documented.has(code))
      .map(([c, p]) => `${c} (${p})`)
    expect(unknown).toEqual([])
  })
})
