/**
 * Where the DTLS analyzer and the tshark 4.0 oracle disagree over the corpus, each with its
 * reason. The oracle has no DTLS SNI items (`dtls_sni[]` is empty: WebRTC and the other DTLS
 * clients in the corpus send no server_name); the comparison is on the certificate chains of
 * DTLS Certificate messages (`x509[]` with handshake "dtls"). The corpus test requires the
 * disagreements to be exactly these.
 */

export interface DtlsX509Difference {
  capture: string
  /** Frame of the Certificate message in the oracle. */
  frame: number
  reason: string
}

/** None: every DTLS certificate chain tshark shows is read. */
export const X509_DTLS_MISSED: DtlsX509Difference[] = []
