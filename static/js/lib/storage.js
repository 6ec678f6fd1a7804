/*
 * load(name, fallback), save(name, value|null) -> JSON in localStorage;
 * randomKey(), idempotency(storageName)         -> keys for retry-safe submits.
 */

export function randomKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") {
    return window.crypto.randomUUID();
  }
  // randomUUID exists only in secure contexts; a plain-http LAN address still needs a key.
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => ("0" + b.toString(16)).slice(-2)).join("");
}

export function load(name, fallback) {
  const missing = fallback === undefined ? null : fallback;
  try {
    const raw = window.localStorage.getItem(name);
    return raw ? JSON.parse(raw) : missing;
  } catch (e) {
    return missing;
  }
}

export function save(name, value) {
  try {
    if (value === null) window.localStorage.removeItem(name);
    else window.localStorage.setItem(name, JSON.stringify(value));
  } catch (e) {
    /* private mode or full storage: the page still works, it just forgets */
  }
}

/*
 * Idempotency keys for a form: an attempt whose fate is unknown (network error, 5xx) keeps
 * its key, so resending the SAME payload cannot store it twice; a changed payload gets a new
 * key, so the server does not answer the edit with the first attempt's result. With a
 * storage name the pending attempt survives a page reload.
 */
export function idempotency(storageName) {
  let pending = storageName ? load(storageName) : null;

  function remember(value) {
    pending = value;
    if (storageName) save(storageName, value);
  }

  return {
    key(payload) {
      const text = JSON.stringify(payload);
      const key = pending && pending.payload === text ? pending.key : randomKey();
      remember({ key: key, payload: text });
      return key;
    },
    // Call with the request's outcome: nothing (success) or its error.
    settle(error) {
      const unknown = error && (!error.status || error.status >= 500);
      if (!unknown) remember(null);
    },
  };
}
