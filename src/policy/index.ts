/** The policy library: country data, the model and judgements, loading, home inference, flags. */
export * from './countries.js'
export * from './policy.js'
export * from './policy-error.js'
export * from './load-policy.js'
export * from './infer-home.js'
export {compileHostGlob, hostGlobMatches, normalizeHostName, type HostGlob} from './host-glob.js'
export {cidrContains, formatCidr, formatIp, parseCidr, parseIpAddress, type CidrValue, type IpValue} from './ip-match.js'
