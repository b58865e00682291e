/**
 * X.509 certificates made for these tests (once, with Python `cryptography`, EC P-256 keys that
 * were then thrown away), as DER in base64:
 *  - CA:     C=ZZ, O=Callaudit Test, CN=Callaudit Test Root CA; self-signed CA, serial 0x1001,
 *            valid 2022-01-01T00:00:00Z .. 2032-01-01T00:00:00Z
 *  - LEAF:   C=ZZ, O=Example Meetings, CN=*.meet.example, issued by the CA, serial 0x0abc12,
 *            SAN DNS:*.meet.example, DNS:meet.example, IP:192.0.2.10,
 *            valid 2023-03-01T12:00:00Z .. 2023-06-01T12:00:00Z
 *  - WEBRTC: CN=WebRTC, self-signed (not a CA), serial 0x77,
 *            valid 2023-01-01T00:00:00Z .. 2023-02-01T00:00:00Z
 */
export const CA_DER = Buffer.from(
  'MIIBkTCCATegAwIBAgICEAEwCgYIKoZIzj0EAwIwRzELMAkGA1UEBhMCWloxFzAVBgNVBAoMDkNhbGxhdWRpdCBUZXN0MR8w' +
  'HQYDVQQDDBZDYWxsYXVkaXQgVGVzdCBSb290IENBMB4XDTIyMDEwMTAwMDAwMFoXDTMyMDEwMTAwMDAwMFowRzELMAkGA1UE' +
  'BhMCWloxFzAVBgNVBAoMDkNhbGxhdWRpdCBUZXN0MR8wHQYDVQQDDBZDYWxsYXVkaXQgVGVzdCBSb290IENBMFkwEwYHKoZI' +
  'zj0CAQYIKoZIzj0DAQcDQgAE7cPC/NnZBR9gscarQvnR319hmJjTmHo7F9a7pvtEs/QOzq+4GykXJJVQTdQVpNuZ/eXYHc17' +
  'Gp3Uxy2CEQbNe6MTMBEwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA42QPWXDdz0P53yxxGFqM46M+qVaZ' +
  'kQ2m1Xon3ueaKsECICPWLMl5wiRYc2jdN0tFhpTMaAbZ8hzQa06NCI6HFfsk',
  'base64',
)

export const LEAF_DER = Buffer.from(
  'MIIBqjCCAVCgAwIBAgIDCrwSMAoGCCqGSM49BAMCMEcxCzAJBgNVBAYTAlpaMRcwFQYDVQQKDA5DYWxsYXVkaXQgVGVzdDEf' +
  'MB0GA1UEAwwWQ2FsbGF1ZGl0IFRlc3QgUm9vdCBDQTAeFw0yMzAzMDExMjAwMDBaFw0yMzA2MDExMjAwMDBaMEExCzAJBgNV' +
  'BAYTAlpaMRkwFwYDVQQKDBBFeGFtcGxlIE1lZXRpbmdzMRcwFQYDVQQDDA4qLm1lZXQuZXhhbXBsZTBZMBMGByqGSM49AgEG' +
  'CCqGSM49AwEHA0IABBxQYqFb91Wa5Jd7DIJlEhjpsi0U4l6FiB89EpBbNlmz+mBoIN7fOvsEl4YDulZFw6eg22b5Ib7aNZaB' +
  'g4RoU7ejMTAvMC0GA1UdEQQmMCSCDioubWVldC5leGFtcGxlggxtZWV0LmV4YW1wbGWHBMAAAgowCgYIKoZIzj0EAwIDSAAw' +
  'RQIgeVNYmybK40LKhHhNwR7/gIQLUul4BPSVxeurhtUQtH8CIQDWTGiss6MU2UHc3lKq+zSkTM5ZhTdDp3rUqZeruq4E9g==',
  'base64',
)

export const WEBRTC_DER = Buffer.from(
  'MIIBDzCBtaADAgECAgF3MAoGCCqGSM49BAMCMBExDzANBgNVBAMMBldlYlJUQzAeFw0yMzAxMDEwMDAwMDBaFw0yMzAyMDEw' +
  'MDAwMDBaMBExDzANBgNVBAMMBldlYlJUQzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABGiMCm2XhOC9H9sEiX5q17m5fbeA' +
  'fe8LNiXD/4JBzawC1khZN7ZJo9P0SS9W+KTAEmCWTW4W0M2Sel1wfx+rgREwCgYIKoZIzj0EAwIDSQAwRgIhAOKTWfTt51EN' +
  'mnb9TNbzFFrQD/cSLAVXwolNxde56VnNAiEA7mXOxjDmJjTpLvKlRAA8lngkwqxpNu+XAv+KwANXJuo=',
  'base64',
)
