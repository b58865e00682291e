/**
 * A private copy of the built CLI (package.json, bin/, dist/, with node_modules linked), so
 * every run of a bench measures the same build even while dist/ is rebuilt by someone else.
 */
import {cpSync, existsSync, mkdirSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'

/** Copies the CLI into `dir`/callaudit and returns the path of its bin/run.js. */
export function snapshotCli(repoRoot: string, dir: string): string {
  const app = join(dir, 'callaudit')
  mkdirSync(app, {recursive: true})
  cpSync(join(repoRoot, 'package.json'), join(app, 'package.json'))
  cpSync(join(repoRoot, 'bin'), join(app, 'bin'), {recursive: true})
  // The oclif manifest the build writes: without it every run would import every command first.
  if (existsSync(join(repoRoot, 'oclif.manifest.json'))) cpSync(join(repoRoot, 'oclif.manifest.json'), join(app, 'oclif.manifest.json'))
  cpSync(join(repoRoot, 'dist'), join(app, 'dist'), {recursive: true, filter: (src) => !src.endsWith('.map')})
  symlinkSync(join(repoRoot, 'node_modules'), join(app, 'node_modules'), 'dir')
  return join(app, 'bin', 'run.js')
}
