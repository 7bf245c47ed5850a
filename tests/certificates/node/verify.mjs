// An independent verifier of course-engine's Open Badges 3.0 credentials, for the tests.
//
// It shares no code with the Python side: panva's `jose` checks the VC-JWT's signature
// against the JWKS fetched over HTTP from the running app, the claims are checked as Open
// Badges 3.0 section 8.2 ("JSON Web Token Proof Format") says, and the status list is fetched,
// verified and decoded as the W3C Bitstring Status List specification says (multibase "u",
// base64url, GZIP, bit 0 the most significant bit of the first byte).
//
// Usage: node verify.mjs <file with the compact JWS> <JWKS URL> [<now, ISO 8601>]
// Prints one JSON line {"outcome": ..., "detail": ...}; outcome is valid, tampered,
// unknown_key, expired, not_yet_valid, revoked, invalid or status_unreadable.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';

const [, , jwtPath, jwksUrl, nowIso] = process.argv;
const currentDate = nowIso ? new Date(nowIso) : new Date();
const token = readFileSync(jwtPath, 'utf8').trim();
const jwks = createRemoteJWKSet(new URL(jwksUrl));
const MIN_BITS = 131072;

function answer(outcome, detail, extra = {}) {
  process.stdout.write(JSON.stringify({ outcome, detail, ...extra }) + '\n');
  process.exit(0);
}

function seconds(iso) {
  return Math.floor(Date.parse(iso) / 1000);
}

async function main() {
  const header = decodeProtectedHeader(token);
  // Open Badges 3.0 allows only alg, kid, jwk and typ ("JWT" when present).
  const extraHeaders = Object.keys(header).filter((k) => !['alg', 'kid', 'jwk', 'typ'].includes(k));
  if (extraHeaders.length || (header.typ && header.typ !== 'JWT')) {
    answer('invalid', `headers not allowed by Open Badges 3.0: ${extraHeaders.join(', ') || header.typ}`);
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(token, jwks, { algorithms: ['Ed25519', 'EdDSA'], currentDate }));
  } catch (error) {
    if (error instanceof errors.JWKSNoMatchingKey) answer('unknown_key', error.message);
    if (error instanceof errors.JWSSignatureVerificationFailed) answer('tampered', error.message);
    if (error instanceof errors.JWTExpired) answer('expired', error.message);
    if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') answer('not_yet_valid', error.message);
    answer('invalid', `${error.code || error.name}: ${error.message}`);
  }
  const types = payload.type || [];
  if (!types.includes('VerifiableCredential') || !types.includes('OpenBadgeCredential')) {
    answer('invalid', 'not an OpenBadgeCredential');
  }
  if (payload['@context']?.[0] !== 'https://www.w3.org/ns/credentials/v2') answer('invalid', 'not a VCDM 2.0 credential');
  // The claims must mirror the credential (Open Badges 3.0, "Verify a Credential VC-JWT Signature").
  if (payload.iss !== payload.issuer?.id) answer('invalid', 'iss does not match issuer.id');
  if (payload.jti !== payload.id) answer('invalid', 'jti does not match id');
  if (payload.sub !== payload.credentialSubject?.id) answer('invalid', 'sub does not match credentialSubject.id');
  if (payload.nbf !== seconds(payload.validFrom)) answer('invalid', 'nbf does not match validFrom');
  if (payload.validUntil !== undefined && payload.exp !== seconds(payload.validUntil)) {
    answer('invalid', 'exp does not match validUntil');
  }
  if (payload.validUntil !== undefined && Date.parse(payload.validUntil) <= currentDate.getTime()) {
    answer('expired', `validUntil ${payload.validUntil}`);
  }

  const entry = payload.credentialStatus;
  if (!entry || entry.type !== 'BitstringStatusListEntry') answer('status_unreadable', 'no BitstringStatusListEntry');
  const response = await fetch(entry.statusListCredential);
  if (!response.ok) answer('status_unreadable', `status list answered ${response.status}`);
  let list;
  try {
    ({ payload: list } = await jwtVerify((await response.text()).trim(), jwks, { algorithms: ['Ed25519', 'EdDSA'] }));
  } catch (error) {
    answer('status_unreadable', `status list signature: ${error.message}`);
  }
  const subject = list.credentialSubject;
  if (!list.type?.includes('BitstringStatusListCredential') || subject?.type !== 'BitstringStatusList') {
    answer('status_unreadable', 'not a BitstringStatusListCredential');
  }
  if (subject.statusPurpose !== entry.statusPurpose) answer('status_unreadable', 'status purpose differs');
  if (list.id !== entry.statusListCredential) answer('status_unreadable', 'status list id differs from its URL');
  const encoded = subject.encodedList.startsWith('u') ? subject.encodedList.slice(1) : subject.encodedList;
  const bits = gunzipSync(Buffer.from(encoded, 'base64url'));
  if (bits.length * 8 < MIN_BITS) answer('status_unreadable', `status list has only ${bits.length * 8} bits`);
  const index = Number.parseInt(entry.statusListIndex, 10);
  if (!(index >= 0 && index < bits.length * 8)) answer('status_unreadable', 'index outside the list');
  const set = (bits[index >> 3] >> (7 - (index % 8))) & 1;
  const setCount = [...bits].reduce((n, byte) => n + byte.toString(2).split('1').length - 1, 0);
  if (set) answer(entry.statusPurpose === 'revocation' ? 'revoked' : 'suspended', `bit ${index} is set`, { setCount });
  answer('valid', `signed by ${decodeProtectedHeader(token).kid}; bit ${index} is clear`, { setCount, payload });
}

main().catch((error) => answer('invalid', `${error.name}: ${error.message}`));
