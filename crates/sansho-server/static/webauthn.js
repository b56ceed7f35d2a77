// Security keys and passkeys (WebAuthn): the one script of sansho's pages, loaded only where a key
// is registered or used. Everything else works without JavaScript.
"use strict";
(() => {
  const decode = (text) => {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  const encode = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer)))
      .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const csrf = document.querySelector("meta[name=csrf]")?.content ?? "";
  const english = document.documentElement.lang === "en";

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify(body),
    });
    const reply = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = reply.error ?? {};
      throw new Error((english ? error.message_en : error.message_ja) || response.statusText);
    }
    return reply;
  }

  function report(button, error) {
    const where = document.getElementById(button.dataset.error);
    if (where) {
      where.textContent = error.name === "NotAllowedError"
        ? (english ? "The security key was not used (cancelled or timed out)." : "セキュリティキーが使われませんでした (取り消しまたは時間切れ)。")
        : error.message;
      where.hidden = false;
    }
    button.disabled = false;
  }

  const register = document.getElementById("register-key");
  register?.addEventListener("click", async () => {
    register.disabled = true;
    try {
      const name = document.getElementById("key-name").value;
      const challenge = await post("/account/security-keys/challenge", {});
      const options = challenge.options.publicKey;
      options.challenge = decode(options.challenge);
      options.user.id = decode(options.user.id);
      for (const c of options.excludeCredentials ?? []) c.id = decode(c.id);
      const made = await navigator.credentials.create({ publicKey: options });
      await post("/account/security-keys", {
        name,
        state: challenge.state,
        credential: {
          id: made.id,
          rawId: encode(made.rawId),
          type: made.type,
          response: {
            attestationObject: encode(made.response.attestationObject),
            clientDataJSON: encode(made.response.clientDataJSON),
            transports: made.response.getTransports?.() ?? [],
          },
          extensions: made.getClientExtensionResults(),
        },
      });
      location.href = "/account?done=security_key";
    } catch (error) {
      report(register, error);
    }
  });

  const use = document.getElementById("use-key");
  use?.addEventListener("click", async () => {
    use.disabled = true;
    try {
      const challenge = await post("/login/security-key/challenge", {});
      const options = challenge.options.publicKey;
      options.challenge = decode(options.challenge);
      for (const c of options.allowCredentials ?? []) c.id = decode(c.id);
      const answer = await navigator.credentials.get({ publicKey: options });
      const reply = await post("/login/security-key", {
        state: challenge.state,
        next: use.dataset.next,
        credential: {
          id: answer.id,
          rawId: encode(answer.rawId),
          type: answer.type,
          response: {
            authenticatorData: encode(answer.response.authenticatorData),
            clientDataJSON: encode(answer.response.clientDataJSON),
            signature: encode(answer.response.signature),
            userHandle: answer.response.userHandle ? encode(answer.response.userHandle) : null,
          },
          extensions: answer.getClientExtensionResults(),
        },
      });
      location.href = reply.next;
    } catch (error) {
      report(use, error);
    }
  });
})();
