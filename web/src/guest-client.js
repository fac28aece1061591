// The whole client side of guest-api, for app developers to copy:
//   1. read the stack's public outputs (config.json next to the page, or window.GUESTAPI_CONFIG);
//   2. get temporary guest credentials from the Cognito identity pool (GetId, then
//      GetCredentialsForIdentity: the "enhanced" flow);
//   3. sign GET {ApiUrl}/demo with SigV4 and send it with fetch.
// Every failure is turned into a GuestCallError whose `kind` tells the page what went wrong.

import { Sha256 } from "@aws-crypto/sha256-js";
// The same fromCognitoIdentityPool that @aws-sdk/credential-providers re-exports; imported from
// its own package because that barrel also pulls Node-only providers (fs, http) into the bundle.
import { fromCognitoIdentityPool } from "@aws-sdk/credential-provider-cognito-identity";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

// Refresh a little before expiry so a request is never signed with credentials that
// expire while it is in flight.
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** A failure the page can show. kind: config-error | credentials-error | cors-error | http-error. */
export class GuestCallError extends Error {
  constructor(kind, message, { step, status, cause } = {}) {
    super(message, { cause });
    this.kind = kind;
    this.step = step; // "config", "credentials" or "api": which call failed
    this.status = status; // HTTP status when the browser let us see one
  }
}

/** The stack outputs the page needs. All of them are public: they ship inside every app. */
export async function loadConfig() {
  let config = window.GUESTAPI_CONFIG;
  if (!config) {
    const response = await fetch("config.json", { cache: "no-store" }).catch((err) => {
      throw new GuestCallError("config-error", `config.json could not be loaded: ${err.message}`, { step: "config" });
    });
    if (!response.ok) {
      throw new GuestCallError("config-error", `config.json: HTTP ${response.status}`, { step: "config" });
    }
    config = await response.json();
  }
  const missing = ["ApiUrl", "IdentityPoolId", "Region"].filter((key) => !config[key]);
  if (missing.length) {
    throw new GuestCallError("config-error", `config lacks ${missing.join(", ")}`, { step: "config" });
  }
  return config;
}

/**
 * A credential provider for the pool's guest (unauthenticated) identity, reused until it nears
 * expiry. The identity id is kept in localStorage: without it every page load would call GetId
 * and mint a brand-new identity (Cognito does not deduplicate guests).
 */
export function guestCredentials(config) {
  const provider = fromCognitoIdentityPool({
    identityPoolId: config.IdentityPoolId,
    cache: window.localStorage,
    // `endpoint` is only set for the offline stack; against AWS the SDK derives it from the region.
    clientConfig: config.CognitoIdentityEndpoint
      ? { region: config.Region, endpoint: config.CognitoIdentityEndpoint }
      : { region: config.Region },
  });
  let current;
  return async () => {
    if (!current || current.expiration.getTime() - Date.now() < REFRESH_MARGIN_MS) {
      try {
        current = await provider();
      } catch (err) {
        throw credentialsError(err);
      }
    }
    return current; // { accessKeyId, secretAccessKey, sessionToken, expiration, identityId }
  };
}

function credentialsError(err) {
  if (err instanceof TypeError) {
    // fetch rejects with a bare TypeError when the browser withholds the response.
    return new GuestCallError(
      "cors-error",
      "The browser blocked Cognito's response (CORS) or Cognito is unreachable",
      { step: "credentials", cause: err },
    );
  }
  // Cognito's own errors carry their code as the name, e.g. ResourceNotFoundException.
  return new GuestCallError("credentials-error", `${err.name}: ${err.message}`, {
    step: "credentials",
    status: err.$metadata?.httpStatusCode,
    cause: err,
  });
}

/** Signs GET {ApiUrl}/demo with the guest credentials and returns { status, body }. */
export async function callDemo(config, credentials) {
  const url = new URL(`${config.ApiUrl.replace(/\/+$/, "")}/demo`);
  const signer = new SignatureV4({
    service: "execute-api",
    region: config.Region,
    credentials, // an object or a provider function; both work
    sha256: Sha256,
  });
  // The signer adds Authorization, X-Amz-Date, X-Amz-Security-Token and X-Amz-Content-Sha256:
  // each of them must be listed in the API's Access-Control-Allow-Headers, or the preflight fails.
  const signed = await signer.sign(
    new HttpRequest({
      method: "GET",
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      headers: { host: url.host }, // signed, then sent by the browser itself
    }),
  );
  delete signed.headers.host; // a page may not set Host; the browser sends the same value

  let response;
  try {
    response = await fetch(url, { method: "GET", headers: signed.headers });
  } catch (err) {
    // The page cannot tell a CORS refusal from an unreachable host: fetch gives the same
    // TypeError for both on purpose. The browser's console names the CORS rule that failed.
    throw new GuestCallError(
      "cors-error",
      "The browser blocked the response (CORS) or the API is unreachable",
      { step: "api", cause: err },
    );
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { message: text };
  }
  if (!response.ok) {
    // API Gateway writes "message", except AccessDenied which writes "Message".
    const message = body.message ?? body.Message ?? text;
    throw new GuestCallError("http-error", `${response.status} ${response.statusText}: ${message}`, {
      step: "api",
      status: response.status,
    });
  }
  return { status: response.status, body };
}
