// A throw-away certificate and key for the TLS tests of `wsctl echo`
// (EC P-256, CN=localhost, SAN localhost, 127.0.0.1 and ::1; made for
// these tests, trusted by nothing).  Clients connect without verifying.
//
//   node echo_tls_pem.js DIR     writes DIR/cert.pem and DIR/key.pem
'use strict';
const fs = require('fs');
const path = require('path');

const cert = `
-----BEGIN CERTIFICATE-----
MIIBrTCCAVSgAwIBAgIUU7CZz0Fgcxj2KnHdahvGU5eqF3EwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTA5MjU1N1oYDzIxMjYxMTAx
MDkyNTU3WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATAnVavVm7gpFuIxo07skzgHznc1uwythuzSpQFgOfj5m7MV+GPgjV7
LwhJlfoxFHsfrHnE2IAUID3+gR1Lb6J/o4GBMH8wHQYDVR0OBBYEFKwo+VR662Z/
9ROa80bjBXprrCHxMB8GA1UdIwQYMBaAFKwo+VR662Z/9ROa80bjBXprrCHxMA8G
A1UdEwEB/wQFMAMBAf8wLAYDVR0RBCUwI4IJbG9jYWxob3N0hwR/AAABhxAAAAAA
AAAAAAAAAAAAAAABMAoGCCqGSM49BAMCA0cAMEQCICOagyRrPcKAC3oKA/hqKrF+
Ru8c05q83+jVcJZKQWDvAiBJ4VEj/RSpOYYUIicdn1whtVCrAI6VueLhs6DDEjLW
6A==
-----END CERTIFICATE-----
`;

const key = `
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnA1794PJLqg0se63
DIL9GmA1Q7UBHPrqa/uU30b1ylmhRANCAATAnVavVm7gpFuIxo07skzgHznc1uwy
thuzSpQFgOfj5m7MV+GPgjV7LwhJlfoxFHsfrHnE2IAUID3+gR1Lb6J/
-----END PRIVATE KEY-----
`;

const dir = process.argv[2];
fs.writeFileSync(path.join(dir, 'cert.pem'), cert.trimStart());
fs.writeFileSync(path.join(dir, 'key.pem'), key.trimStart(), { mode: 0o600 });
