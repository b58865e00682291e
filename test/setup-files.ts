import {afterAll} from 'vitest'
import {removeTempDirs} from './helpers/temp-dir.js'

// Runs in every test file: what tempDir() made is gone once the file's tests are done.
afterAll(removeTempDirs)
