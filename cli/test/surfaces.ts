/**
 * @module surfaces
 * Measures each workspace package's public surface (issue 12, item 4): the names its `src/index.ts`
 * exports, and for each name who imports it. A name is public when another package (its `src/`, `test/`,
 * `bench/`, `cli/`, `firmware/`) imports it from `@sluice/<pkg>`, or when the package's own `main.ts`
 * (its bin) takes it from `./index.js`. The package's own tests reach the rest through `src/internal.ts`
 * or the module file, as nats.js's `mod.ts` / `internal_mod.ts` do.
 *
 * Read syntactically with the TypeScript parser, so it needs no build:
 * `npx tsx cli/test/surfaces.ts [--verbose]` prints `package: N exported (M public)` for every package;
 * `SURFACES_ROOT=<a checkout>` measures another tree (e.g. a `git archive` of an older commit).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

export const root =
  process.env.SURFACES_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SCAN_DIRS = ['libs', 'services', 'broker', 'cli', 'firmware', 'bench']

/**
 * Names no file imports by name but other packages' emitted declarations must: a class built by
 * `defineError` elsewhere has the inferred type `SluiceErrorClass<…>` (TS2742 when it cannot be named).
 */
export const DECLARATION_NAMES: Readonly<Record<string, readonly string[]>> = {
  '@sluice/contract': ['BuiltError', 'ErrorSpec', 'SluiceErrorClass'],
}

/** A workspace package that has a `src/index.ts`. */
export interface SurfacePackage {
  readonly name: string
  readonly dir: string
}

/** One exported name and the files that import it, split by where they sit. */
export interface ExportUse {
  readonly name: string
  /** Files of other packages, or the package's own `main.ts`. */
  readonly publicUsers: string[]
  /** The package's own tests and other files. */
  readonly ownUsers: string[]
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(p) && !p.endsWith('.d.ts')) out.push(p)
  }
  return out
}

/** Every workspace package with a `src/index.ts`, found from its `package.json`. */
export function surfacePackages(): SurfacePackage[] {
  const dirs = [
    ...['libs', 'services'].flatMap((d) => readdirSync(join(root, d)).map((n) => join(root, d, n))),
    join(root, 'broker'),
    join(root, 'cli'),
    join(root, 'firmware'),
  ]
  return dirs
    .filter((d) => statSync(join(d, 'src', 'index.ts'), { throwIfNoEntry: false }) !== undefined)
    .map((d) => {
      const pkg = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name: string }
      return { name: pkg.name, dir: d }
    })
}

function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true)
}

function isExported(node: ts.Node): boolean {
  return (
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  )
}

/** The names a module file exports (declarations and `export { … }` lists; no `export *` is used). */
export function exportedNames(path: string): string[] {
  const names: string[] = []
  for (const st of parse(path).statements) {
    if (ts.isExportDeclaration(st)) {
      if (st.exportClause === undefined) throw new Error(`${path}: export * is not measured`)
      if (ts.isNamedExports(st.exportClause))
        for (const el of st.exportClause.elements) names.push(el.name.text)
    } else if (isExported(st)) {
      if (ts.isVariableStatement(st))
        for (const d of st.declarationList.declarations)
          if (ts.isIdentifier(d.name)) names.push(d.name.text)
      if (
        (ts.isFunctionDeclaration(st) ||
          ts.isClassDeclaration(st) ||
          ts.isInterfaceDeclaration(st) ||
          ts.isTypeAliasDeclaration(st) ||
          ts.isEnumDeclaration(st)) &&
        st.name !== undefined
      )
        names.push(st.name.text)
    }
  }
  return names
}

/**
 * The names a file takes from each module it imports, keyed by specifier (a relative one resolved to
 * an absolute path): static imports and re-exports, `import('x').T` types, and dynamic `import('x')`
 * read through destructuring, `(await import('x')).name`, a namespace variable, or
 * `.then((ns) => ns.name)`.
 */
export function importedNames(path: string): Map<string, Set<string>> {
  const sf = parse(path)
  const taken = new Map<string, Set<string>>()
  const namespaces = new Map<string, Set<string>>()
  const specOf = (e: ts.Node | undefined): string | undefined => {
    if (e === undefined || !ts.isStringLiteral(e)) return undefined
    return e.text.startsWith('.') ? resolve(dirname(path), e.text) : e.text
  }
  const namesFor = (spec: string): Set<string> => {
    let set = taken.get(spec)
    if (!set) taken.set(spec, (set = new Set()))
    return set
  }
  const fromBinding = (spec: string, b: ts.BindingName): void => {
    if (ts.isIdentifier(b)) namespaces.set(b.text, namesFor(spec))
    else if (ts.isObjectBindingPattern(b))
      for (const el of b.elements) {
        const key = el.propertyName ?? el.name
        if (ts.isIdentifier(key)) namesFor(spec).add(key.text)
      }
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const spec = specOf(node.moduleSpecifier)
      const clause = node.importClause
      if (spec !== undefined && clause) {
        if (clause.name) namesFor(spec).add('default')
        const bindings = clause.namedBindings
        if (bindings && ts.isNamespaceImport(bindings))
          namespaces.set(bindings.name.text, namesFor(spec))
        else if (bindings)
          for (const el of bindings.elements) namesFor(spec).add((el.propertyName ?? el.name).text)
      }
    } else if (ts.isExportDeclaration(node)) {
      const spec = specOf(node.moduleSpecifier)
      if (spec !== undefined && node.exportClause && ts.isNamedExports(node.exportClause))
        for (const el of node.exportClause.elements)
          namesFor(spec).add((el.propertyName ?? el.name).text)
    } else if (ts.isImportTypeNode(node)) {
      const spec = specOf(node.argument.getChildAt(0))
      if (spec !== undefined && node.qualifier)
        namesFor(spec).add(ts.isIdentifier(node.qualifier) ? node.qualifier.text : '?')
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const spec = specOf(node.arguments[0])
      let up: ts.Node = node.parent
      while (ts.isAwaitExpression(up) || ts.isParenthesizedExpression(up)) up = up.parent
      if (spec === undefined) {
        // not a literal specifier: nothing to measure
      } else if (ts.isPropertyAccessExpression(up) && up.name.text !== 'then')
        namesFor(spec).add(up.name.text)
      else if (ts.isVariableDeclaration(up)) fromBinding(spec, up.name)
      else if (ts.isPropertyAccessExpression(up) && ts.isCallExpression(up.parent)) {
        const cb = up.parent.arguments[0]
        const param = cb && ts.isArrowFunction(cb) ? cb.parameters[0] : undefined
        if (param) fromBinding(spec, param.name)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  if (namespaces.size > 0) {
    const readNs = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression))
        namespaces.get(node.expression.text)?.add(node.name.text)
      ts.forEachChild(node, readNs)
    }
    readNs(sf)
  }
  return taken
}

/** Each scanned file with the names it takes from each module. */
export function scanImports(files: readonly string[]): Map<string, Map<string, Set<string>>> {
  return new Map(files.map((f) => [f, importedNames(f)]))
}

/** Each name that `pkg`'s `src/index.ts` exports, with the files that import it. */
export function measureSurface(
  pkg: SurfacePackage,
  imports: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>,
): ExportUse[] {
  const index = join(pkg.dir, 'src', 'index.ts')
  const main = join(pkg.dir, 'src', 'main.ts')
  const uses = exportedNames(index).map((name) => ({
    name,
    publicUsers: [] as string[],
    ownUsers: [] as string[],
  }))
  for (const u of uses)
    if (DECLARATION_NAMES[pkg.name]?.includes(u.name)) u.publicUsers.push('(declaration emit)')
  for (const [f, byModule] of imports) {
    const own = f.startsWith(pkg.dir + '/')
    const taken = new Set([
      ...(byModule.get(pkg.name) ?? []),
      ...(own ? (byModule.get(index.replace(/ts$/, 'js')) ?? []) : []),
    ])
    for (const u of uses)
      if (taken.has(u.name))
        (own && f !== main ? u.ownUsers : u.publicUsers).push(relative(root, f))
  }
  return uses
}

/** Every source, test and bench file the measurement reads. */
export function scannedFiles(): string[] {
  return SCAN_DIRS.flatMap((d) => walk(join(root, d)))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const imports = scanImports(scannedFiles())
  const verbose = process.argv.includes('--verbose')
  for (const pkg of surfacePackages()) {
    const uses = measureSurface(pkg, imports)
    const pub = uses.filter((u) => u.publicUsers.length > 0)
    console.log(`${pkg.name}: ${String(uses.length)} exported (${String(pub.length)} public)`)
    if (verbose)
      for (const u of uses)
        if (u.publicUsers.length === 0)
          console.log(`   internal: ${u.name}  <- ${u.ownUsers.join(' ') || '(unused)'}`)
  }
}
