/*
 * api(method, url, body) -> Promise of parsed JSON; rejects with an Error carrying .status,
 * .code, .message (and .field, .details) from the API's error shape; status 0 = network error.
 */
import { meta } from "./dom.js";
import { lang, t } from "./i18n.js";

function apiError(status, body) {
  const info = (body && body.error) || {};
  const error = new Error(info.message || t(status === 0 ? "network_error" : "unexpected_error"));
  error.status = status;
  error.code = info.code || (status === 0 ? "network" : "http_" + status);
  error.field = info.field;
  error.details = info.details;
  return error;
}

export function api(method, url, body) {
  const headers = { Accept: "application/json", "Accept-Language": lang };
  const token = meta("csrf-token");
  if (token) headers["X-CSRFToken"] = token;
  const options = { method: method, headers: headers, credentials: "same-origin" };
  if (body !== undefined && body !== null) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  return fetch(url, options).then(
    (response) =>
      response.text().then((text) => {
        let data = null;
        try {
          data = text ? JSON.parse(text) : {};
        } catch (e) {
          data = null;
        }
        if (!response.ok) throw apiError(response.status, data);
        return data || {};
      }),
    () => {
      throw apiError(0, null);
    }
  );
}
