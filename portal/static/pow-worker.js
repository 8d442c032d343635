/* Solves a PlanPortal proof-of-work challenge (ALTCHA format): the number n in 0…maxnumber with
   hex(SHA-256(salt + n)) == challenge, with WebCrypto, in batches, reporting progress. */
"use strict";
self.onmessage = async function (event) {
  var challenge = String(event.data.challenge).toLowerCase();
  var salt = String(event.data.salt);
  var max = event.data.maxnumber | 0;
  var encoder = new TextEncoder();
  var target = new Uint8Array(challenge.length / 2);
  for (var i = 0; i < target.length; i++) target[i] = parseInt(challenge.substr(i * 2, 2), 16);
  function same(buffer) {
    var bytes = new Uint8Array(buffer);
    if (bytes.length !== target.length) return false;
    for (var k = 0; k < bytes.length; k++) if (bytes[k] !== target[k]) return false;
    return true;
  }
  var batch = 500;
  for (var start = 0; start <= max; start += batch) {
    var end = Math.min(max, start + batch - 1);
    var jobs = [];
    for (var n = start; n <= end; n++) jobs.push(crypto.subtle.digest("SHA-256", encoder.encode(salt + n)));
    var digests = await Promise.all(jobs);
    for (var j = 0; j < digests.length; j++) {
      if (same(digests[j])) { self.postMessage({ number: start + j }); return; }
    }
    self.postMessage({ progress: max > 0 ? end / max : 1 });
  }
  self.postMessage({ failed: true });
};
