import * as Args from '@oclif/core/args'

/**
 * The capture files a command reads (one or more; the command sets `strict = false` so the
 * rest of argv are captures too). `ignoreStdin`: `-` names standard input explicitly, so a
 * command run from a pipeline without `-` never waits on a terminal.
 */
export const capturesArg = Args.string({
  description: 'capture files of the call (pcap, pcapng, .gz; read in the time order of their first packets; a pattern such as captures/*.pcapng is expanded when no shell did), or - for standard input',
  required: true,
  ignoreStdin: true,
})
