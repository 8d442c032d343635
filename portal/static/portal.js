/* PlanPortal member portal: enhancements only. Every page works without this file, except the
   anti-robot check, which needs JavaScript by nature. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  // The error summary takes the focus, so keyboard and screen-reader users start from it.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }

  // Live password checklist: each rule the policy can check here is marked met or not met.
  function passwordChecklist() {
    var list = document.querySelector("[data-password-rules]");
    var input = document.getElementById("password");
    if (!list || !input) return;
    var min = parseInt(list.getAttribute("data-min-length") || "8", 10);
    var max = parseInt(list.getAttribute("data-max-length") || "128", 10);
    var letters = parseInt(list.getAttribute("data-min-letters") || "0", 10);
    var checks = {
      min_length: function (p) { return Array.from(p).length >= min; },
      max_length: function (p) { return Array.from(p).length <= max; },
      uppercase: function (p) { return /\p{Lu}/u.test(p); },
      lowercase: function (p) { return /\p{Ll}/u.test(p); },
      special: function (p) { return /[^\p{L}\p{N}\s]/u.test(p); },
      min_letters: function (p) { return (p.match(/\p{L}/gu) || []).length >= letters; }
    };
    var met = list.getAttribute("data-text-met"), unmet = list.getAttribute("data-text-unmet");
    function update() {
      var value = input.value;
      list.querySelectorAll("li[data-rule]").forEach(function (item) {
        var check = checks[item.getAttribute("data-rule")];
        if (!check) return;
        var ok = value.length > 0 && check(value);
        item.classList.toggle("met", ok);
        item.classList.toggle("unmet", value.length > 0 && !ok);
        var state = item.querySelector(".rule-state");
        if (state) state.textContent = value.length > 0 ? " (" + (ok ? met : unmet) + ")" : "";
      });
    }
    input.addEventListener("input", update);
    update();
  }

  // Our proof-of-work solver (ALTCHA format) in a Web Worker: fetches the plan's challenge,
  // shows progress, puts the token in the form; a submit waits for it.
  function proofOfWork() {
    document.querySelectorAll(".pow[data-pow-url]").forEach(function (box) {
      var form = box.closest("form");
      var field = box.querySelector("input[name=challengeToken]");
      var bar = box.querySelector("progress");
      var status = box.querySelector(".pow-status");
      var solved = false, pendingSubmit = false, failed = false;
      var button = form ? form.querySelector("button[type=submit]") : null;
      function say(text) { status.textContent = text; }
      function fail() {
        failed = true;
        say(box.getAttribute("data-text-failed"));
        if (button) button.removeAttribute("aria-disabled");
      }
      say(box.getAttribute("data-text-working"));
      fetch(box.getAttribute("data-pow-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) throw new Error("challenge " + response.status); return response.json(); })
        .then(function (info) {
          if (!info.pow) throw new Error("no proof of work");
          var pow = info.pow;
          var worker = new Worker(box.getAttribute("data-worker"));
          worker.onmessage = function (event) {
            var data = event.data;
            if (typeof data.progress === "number") {
              bar.value = Math.min(99, Math.round(data.progress * 100));
            } else if (typeof data.number === "number") {
              var solution = { algorithm: pow.algorithm, challenge: pow.challenge, number: data.number, salt: pow.salt, signature: pow.signature };
              field.value = btoa(JSON.stringify(solution));
              solved = true;
              bar.value = 100;
              say(box.getAttribute("data-text-done"));
              box.setAttribute("data-solved", "true");
              worker.terminate();
              if (pendingSubmit) form.requestSubmit ? form.requestSubmit() : form.submit();
            } else {
              worker.terminate();
              fail();
            }
          };
          worker.onerror = fail;
          worker.postMessage({ challenge: pow.challenge, salt: pow.salt, maxnumber: pow.maxnumber });
        })
        .catch(fail);
      if (form) {
        form.addEventListener("submit", function (event) {
          if (!solved && !failed) {
            event.preventDefault();
            pendingSubmit = true;
            if (button) button.setAttribute("aria-disabled", "true");
            say(box.getAttribute("data-text-working"));
          }
        });
      }
    });
  }

  // reCAPTCHA v3 has no widget: a token is asked for when the form is sent.
  function recaptchaV3() {
    document.querySelectorAll(".pp-recaptcha-v3[data-sitekey]").forEach(function (box) {
      var form = box.closest("form");
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "g-recaptcha-response";
      box.appendChild(input);
      var done = false;
      form.addEventListener("submit", function (event) {
        if (done || !window.grecaptcha) return;
        event.preventDefault();
        window.grecaptcha.ready(function () {
          window.grecaptcha.execute(box.getAttribute("data-sitekey"), { action: box.getAttribute("data-action") || "submit" })
            .then(function (token) { input.value = token; done = true; form.submit(); });
        });
      });
    });
  }

  // A form sent once is not sent again by a second click (its idempotency key covers the rest).
  function submitOnce() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-sent") === "true") { event.preventDefault(); return; }
        form.setAttribute("data-sent", "true");
      });
    });
  }

  ready(function () {
    focusErrorSummary();
    passwordChecklist();
    proofOfWork();
    recaptchaV3();
    submitOnce();
  });
})();
