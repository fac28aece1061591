"""The collection's pre-request script: guest credentials from Cognito, as an app gets them.

It runs before every request of the collection, in Postman and in newman:

1. `GetId` once: the identity id is stored in the environment (`identityId`), because every
   GetId without a stored id mints a new identity in the pool.
2. `GetCredentialsForIdentity` when there are no keys yet or they expire within five minutes;
   the keys go to the environment variables the collection's AWS Signature auth reads.

With `debugToken` set in the environment (a registered attestation debug token, see
docs/attestation.md), step 1 is instead POST /attest/challenge and POST /attest with the token,
and step 2 passes the Cognito token it answers as `Logins`: the keys are the attested role's.

The Cognito calls are plain, unsigned JSON 1.1 calls; Postman's AWS Signature auth then signs
the request with the keys. The script logs no key, token or secret.
"""

PRE_REQUEST_SCRIPT = r"""
// guest credentials from the identity pool (guestapi export postman)
const env = pm.environment;
const endpoint = env.get('cognitoEndpoint');
const target = 'AWSCognitoIdentityService.';

function cognito(operation, body, then) {
    pm.sendRequest({
        url: endpoint,
        method: 'POST',
        header: {
            'Content-Type': 'application/x-amz-json-1.1',
            'X-Amz-Target': target + operation
        },
        body: { mode: 'raw', raw: JSON.stringify(body) }
    }, function (err, res) {
        if (err) { throw new Error(operation + ' failed: ' + err); }
        const answer = res.json();
        if (res.code !== 200) {
            throw new Error(operation + ' refused: ' + res.code + ' ' + (answer.__type || '') +
                ' ' + (answer.message || answer.Message || ''));
        }
        then(answer);
    });
}

function withIdentity(then) {
    const known = env.get('identityId');
    if (known) { return then(known); }
    cognito('GetId', { IdentityPoolId: env.get('identityPoolId') }, function (answer) {
        env.set('identityId', answer.IdentityId);  // once per install: never mint another
        then(answer.IdentityId);
    });
}

function postJson(path, body, then) {
    // The /attest routes are unsigned (pm.sendRequest does not use the collection's auth).
    pm.sendRequest({
        url: env.get('apiUrl') + path,
        method: 'POST',
        header: { 'Content-Type': 'application/json' },
        body: { mode: 'raw', raw: JSON.stringify(body) }
    }, function (err, res) {
        if (err) { throw new Error('POST ' + path + ' failed: ' + err); }
        const answer = res.json();
        if (res.code !== 200) {
            throw new Error('POST ' + path + ' refused: ' + res.code + ' ' + (answer.code || ''));
        }
        then(answer);
    });
}

function attested(then) {
    // an attested install, by a registered debug token: a new challenge each time
    postJson('/attest/challenge', {}, function (issued) {
        const body = { kind: 'debug', challenge: issued.challenge, debugToken: env.get('debugToken') };
        postJson('/attest', body, function (answer) {
            env.set('identityId', answer.IdentityId);
            then(answer.IdentityId, { 'cognito-identity.amazonaws.com': answer.Token });
        });
    });
}

function fetchKeys(identityId, logins) {
    const body = { IdentityId: identityId };
    if (logins) { body.Logins = logins; }
    cognito('GetCredentialsForIdentity', body, function (answer) {
        const keys = answer.Credentials;
        env.set('accessKeyId', keys.AccessKeyId);
        env.set('secretKey', keys.SecretKey);
        env.set('sessionToken', keys.SessionToken);
        env.set('credentialsExpiration', String(keys.Expiration));
    });
}

const expires = Number(env.get('credentialsExpiration') || 0);
if (!env.get('accessKeyId') || expires - Date.now() / 1000 < 300) {
    if (env.get('debugToken')) {
        attested(fetchKeys);
    } else {
        withIdentity(function (identityId) { fetchKeys(identityId); });
    }
}
""".strip()
