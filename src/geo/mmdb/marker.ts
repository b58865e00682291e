/**
 * The bytes that start an MMDB file's metadata (`\xAB\xCD\xEFMaxMind.com`). Apart from the
 * writer so that opening a database does not load the writer's encoder modules.
 */
export const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com', 'ascii')])
