// A real wallet's side of OpenID for Verifiable Credential Issuance, for the tests: Sphereon's
// @sphereon/oid4vci-client (a maintained OID4VCI client library used by Sphereon's wallet)
// runs the pre-authorized code flow against the app served on loopback, starting from the
// offer link the holder's page shows, exactly as a wallet that scanned the QR code would:
// resolve credential_offer_uri, read /.well-known/openid-credential-issuer and the
// authorization server metadata, exchange the pre-authorized code at the token endpoint, then
// request the credential with the access token and a key proof (the client always sends one;
// it is signed here with a fresh Ed25519 key from panva's jose, named by a jwk header).
//
// Usage: node wallet.mjs <openid-credential-offer:// link> [--wrong-key]
// (--wrong-key: the proof names one key and is signed by another, as a broken wallet might.)
// Prints one JSON line: {"ok": true, "credential": <the credential received>, "issuer": ...,
// "tokenType": ..., "configurationIds": [...]} or {"ok": false, "error": <message>}.
import { OpenID4VCIClient } from '@sphereon/oid4vci-client';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const [, , offerLink, option] = process.argv;

function answer(body) {
  process.stdout.write(JSON.stringify(body) + '\n');
  process.exit(0);
}

async function main() {
  const client = await OpenID4VCIClient.fromURI({ uri: offerLink, retrieveServerMetadata: true, resolveOfferUri: true });
  const configurationIds = client.credentialOffer?.credential_offer?.credential_configuration_ids ?? [];
  const token = await client.acquireAccessToken();
  const { publicKey, privateKey } = await generateKeyPair('Ed25519');
  const jwk = await exportJWK(publicKey);
  const signer = option === '--wrong-key' ? (await generateKeyPair('Ed25519')).privateKey : privateKey;
  const signCallback = async (args) => new SignJWT({ ...args.payload })
    .setProtectedHeader({ ...args.header, alg: 'Ed25519' })
    .sign(signer);
  const response = await client.acquireCredentials({
    credentialTypes: ['VerifiableCredential', 'OpenBadgeCredential'],
    format: 'jwt_vc_json',
    proofCallbacks: { signCallback },
    alg: 'Ed25519',
    jwk,
  });
  const credential = response.credentials?.[0]?.credential ?? response.credential;
  answer({ ok: true, credential, issuer: client.getIssuer(), tokenType: token.token_type, configurationIds });
}

main().catch((error) => answer({ ok: false, error: String(error?.message ?? error) }));
