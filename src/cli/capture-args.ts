import * as Args from '@oclif/core/args'

/**
 * The capture files a command reads (one or more; the command sets `strict = false` so the
 * rest of argv are captures too). `ignoreStdin`: `-` names standard input explicitly, so a
 * command run from a pipeline without `-` never waits on a terminal.
 */
export const capturesArg = Args.string({description: 'capture files of the call (pcap, pcapng, .gz), or - for standard input', required: true, ignoreStdin: true})
