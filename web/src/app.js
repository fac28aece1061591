// Page wiring: run the guest call and show the outcome. Tests read the same elements:
// #result[data-state] is idle | loading | ok | http-error | cors-error | credentials-error |
// config-error, #result[data-step] names the failed call, #status, #identity and #error hold text.

import { callDemo, GuestCallError, guestCredentials, loadConfig } from "./guest-client.js";

const $ = (id) => document.getElementById(id);
let credentials; // one provider per page: it caches the credentials until they near expiry

function show(state, { step = "", status = "—", identity = "—", error = "", body = "" } = {}) {
  $("result").dataset.state = state;
  $("result").dataset.step = step;
  $("status").textContent = status;
  $("identity").textContent = identity;
  $("error").textContent = error;
  $("error").hidden = !error;
  $("body").textContent = body;
}

async function run() {
  show("loading");
  $("call").disabled = true;
  try {
    const config = await loadConfig();
    $("api-url").textContent = `${config.ApiUrl}/demo`;
    credentials ??= guestCredentials(config);
    const { status, body } = await callDemo(config, await credentials());
    show("ok", {
      status: `${status} OK`,
      identity: body.identityId,
      body: JSON.stringify(body, null, 2),
    });
  } catch (err) {
    if (!(err instanceof GuestCallError)) throw err; // a bug, not an expected failure: let it surface
    show(err.kind, { step: err.step, status: err.status ? String(err.status) : "—", error: err.message });
  } finally {
    $("call").disabled = false;
  }
}

$("call").addEventListener("click", run);
run();
