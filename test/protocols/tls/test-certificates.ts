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

/**
 * Client certificates for CA-META-009, made with openssl 3.0 (`openssl ca -selfsign`, EC P-256
 * keys thrown away), signed with their own key, keyUsage digitalSignature only, EKU clientAuth,
 * valid 2025-01-01T00:00:00Z .. 2035-01-01T00:00:00Z:
 *  - PERSON: C=ZZ, O=Example Ministry, OU=Delegation, CN=Jane Doe,
 *            emailAddress=jane.doe@ministry.example; serial 0x1001
 *  - DEVICE: O=Example Ministry, OU=Laptops, CN=laptop-0042; serial 0x1002
 */
export const CLIENT_PERSON_DER = Buffer.from(
  'MIICODCCAd6gAwIBAgICEAEwCgYIKoZIzj0EAwIwejELMAkGA1UEBhMCWloxGTAXBgNVBAoMEEV4YW1wbGUgTWluaXN0cnkx' +
  'EzARBgNVBAsMCkRlbGVnYXRpb24xETAPBgNVBAMMCEphbmUgRG9lMSgwJgYJKoZIhvcNAQkBFhlqYW5lLmRvZUBtaW5pc3Ry' +
  'eS5leGFtcGxlMB4XDTI1MDEwMTAwMDAwMFoXDTM1MDEwMTAwMDAwMFowejELMAkGA1UEBhMCWloxGTAXBgNVBAoMEEV4YW1w' +
  'bGUgTWluaXN0cnkxEzARBgNVBAsMCkRlbGVnYXRpb24xETAPBgNVBAMMCEphbmUgRG9lMSgwJgYJKoZIhvcNAQkBFhlqYW5l' +
  'LmRvZUBtaW5pc3RyeS5leGFtcGxlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZ1fAQhwuCtOWWBwBnEvV7UULYPUoxCks' +
  'hJ2Mf2MT+UiMAnGvV6iUWel2ian0hs1uWu/clr4kiA1FngLwJvl6S6NUMFIwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMC' +
  'B4AwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0OBBYEFBh6lfnbhN2ZydnyIOET9rN4EO3eMAoGCCqGSM49BAMCA0gAMEUC' +
  'IQCQBU0SI2VPieVGlToX+2NEkp1vZW62GFIPHdYXcwlxpQIgUDnJylaa/L1ymZ/173xdHd5+xL96IQdRJDV2iCt6nVw=',
  'base64',
)

export const CLIENT_DEVICE_DER = Buffer.from(
  'MIIByTCCAXCgAwIBAgICEAIwCgYIKoZIzj0EAwIwQzEZMBcGA1UECgwQRXhhbXBsZSBNaW5pc3RyeTEQMA4GA1UECwwHTGFw' +
  'dG9wczEUMBIGA1UEAwwLbGFwdG9wLTAwNDIwHhcNMjUwMTAxMDAwMDAwWhcNMzUwMTAxMDAwMDAwWjBDMRkwFwYDVQQKDBBF' +
  'eGFtcGxlIE1pbmlzdHJ5MRAwDgYDVQQLDAdMYXB0b3BzMRQwEgYDVQQDDAtsYXB0b3AtMDA0MjBZMBMGByqGSM49AgEGCCqG' +
  'SM49AwEHA0IABEb53sNSgKMQO0rIeAc25wR7tOzNFm7Ill4wl4wLynvaapIa3OsxG+rQVJXSMaRo/ae/pH86cFTFTJrG+NB8' +
  'LT+jVDBSMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMCMB0GA1UdDgQWBBQNrUPX' +
  'm9m5gxLnwEO7VlXQifZfQzAKBggqhkjOPQQDAgNHADBEAiALpObpPJOFvbZ37F6gE+GMa4t5Z1Skrezh+BSM4lMDRwIgLlhJ' +
  'ZzyhyrwGZ5rTgCALLeAb7cl0wiMWiNCw41YGwxI=',
  'base64',
)

/**
 * A device certificate whose holder is named only in its subjectAltName (RFC 5280 §4.2.1.6
 * rfc822Name), made with openssl 3.0 `req -x509` (EC P-256, key thrown away), self-signed:
 * O=Example Ministry, CN=device-7731; SAN email:r.kusuma@ministry.example,
 * DNS:device-7731.ministry.example; serial 7731; valid 2026-11-26 .. 2036-11-23.
 */
export const CLIENT_SAN_EMAIL_DER = Buffer.from(
  'MIIB7DCCAZGgAwIBAgICHjMwCgYIKoZIzj0EAwIwMTEUMBIGA1UEAwwLZGV2aWNlLTc3MzExGTAXBgNVBAoMEEV4YW1wbGUgTWlu' +
  'aXN0cnkwHhcNMjYxMTI2MTgzMzM4WhcNMzYxMTIzMTgzMzM4WjAxMRQwEgYDVQQDDAtkZXZpY2UtNzczMTEZMBcGA1UECgwQRXhh' +
  'bXBsZSBNaW5pc3RyeTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABD91khNZpwV+WwBV7WKXY46RqKiS0+dSP8NS1gDQD3IHfYEm' +
  'YkAmyw9xHeOs3Xw/XQX+psMzXyGiWHvrvaQh6WejgZgwgZUwHQYDVR0OBBYEFHAe7l6P3/Hw7fGDxw+OVRZPWnxzMB8GA1UdIwQY' +
  'MBaAFHAe7l6P3/Hw7fGDxw+OVRZPWnxzMA8GA1UdEwEB/wQFMAMBAf8wQgYDVR0RBDswOYEZci5rdXN1bWFAbWluaXN0cnkuZXhh' +
  'bXBsZYIcZGV2aWNlLTc3MzEubWluaXN0cnkuZXhhbXBsZTAKBggqhkjOPQQDAgNJADBGAiEAxa6yesGhBb2OzM+cJZyykuHHcFHU' +
  'gRq3SS9tOXitl90CIQCsmdiBJiyhofxjLFo/roriALcIQ0LIXoF6qlx7eIXvtQ==',
  'base64',
)
