#!/usr/bin/env node
// Production entry point: runs the compiled commands in dist/.
//
// `execute` comes from its own entry point, not the package index: the index also loads parts of
// oclif a run never uses and semver (~50 modules) for a check of oclif's own engine range, which
// cost every run ~15-20 ms. The one other thing the index does, warning when the working
// directory no longer exists, is kept here.
import {fileURLToPath} from 'node:url'
import {execute} from '@oclif/core/execute'

try {
  process.cwd()
} catch (error) {
  if (error.code === 'ENOENT') process.stderr.write('WARNING: current directory does not exist\n')
}

// callaudit has no plugin mechanism: oclif need not look for user-installed plugins (a
// package.json in ~/.local/share/callaudit) or development plugins on every run.
await execute({loadOptions: {root: fileURLToPath(import.meta.url), userPlugins: false, devPlugins: false}})
