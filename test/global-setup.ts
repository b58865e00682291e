import {execFileSync} from 'node:child_process'
import {dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

/** CLI tests run the compiled commands through bin/run.js: compile the current sources first,
 * so a test never passes against a stale dist/. */
export default function setup(): void {
  // For quick local iterations on one suite when dist/ is known to be fresh.
  if (process.env.CALLAUDIT_SKIP_BUILD === '1') return
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  execFileSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {cwd: root, stdio: 'inherit'})
  // oclif reads the commands' flags from the manifest: rebuilt with dist/ so it never lags.
  execFileSync(process.execPath, [resolve(root, 'scripts/write-manifest.mjs')], {cwd: root, stdio: 'inherit'})
}
