/*
 * Translated strings, labels, digits and dates for the page's language.
 *
 *   t(key, params)            -> string from <script id="i18n">, %(name)s filled (digits localized)
 *   label(kind, value)        -> the name of a value: question_status, session_status,
 *                                public_session_status, channel, answer_kind, reject_reason
 *   digits(n)                 -> Persian digits on Persian pages
 *   formatDate(iso), formatDay("YYYY-MM-DD"), formatTime(iso), formatDateTime(iso)
 *   localName(obj, field), officialLabel(official)
 */

export const lang = document.documentElement.getAttribute("lang") || "fa";

function readStrings() {
  try {
    const block = document.getElementById("i18n");
    return block ? JSON.parse(block.textContent) : {};
  } catch (e) {
    return {};
  }
}

const strings = readStrings();
const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);

export function digits(value) {
  const text = value === null || value === undefined ? "" : String(value);
  if (lang !== "fa") return text;
  return text.replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
}

export function t(key, params) {
  let text = has(strings, key) ? strings[key] : key;
  if (params) {
    text = text.replace(/%\((\w+)\)[sd]/g, (whole, name) => (has(params, name) ? digits(params[name]) : whole));
  }
  return text;
}

/*
 * Every name of a status, channel, reason or answer kind is looked up here, in the labels
 * the server serves with every page (`labels` in the i18n block: {kind: {value: label}},
 * from liveqa/domain/labels.py).
 */

export function label(kind, value) {
  const served = strings.labels && strings.labels[kind];
  if (served && has(served, value)) return served[value];
  return value == null ? "" : String(value);
}

function meta(name) {
  const node = document.querySelector('meta[name="' + name + '"]');
  return node ? node.getAttribute("content") : "";
}

export const timeZone = meta("time-zone") || undefined;
const locale = lang === "fa" ? "fa-IR-u-ca-persian-nu-arabext" : "en-GB";

function format(iso, options, zone) {
  if (!iso) return "";
  const date = new Date(iso);
  if (isNaN(date.getTime())) return "";
  try {
    return new Intl.DateTimeFormat(locale, Object.assign({ timeZone: zone || timeZone }, options)).format(date);
  } catch (e) {
    return digits(date.toLocaleString());
  }
}

// Chromium builds without Persian date patterns put Jalali parts in English order
// ("1404 Azar 12, Wednesday"), so Persian dates are assembled from their parts.
function faParts(iso, options, zone) {
  if (!iso) return null;
  const date = new Date(iso);
  if (isNaN(date.getTime())) return null;
  try {
    const parts = {};
    new Intl.DateTimeFormat(locale, Object.assign({ timeZone: zone || timeZone }, options))
      .formatToParts(date)
      .forEach((part) => {
        parts[part.type] = part.value;
      });
    return parts;
  } catch (e) {
    return null;
  }
}

function formatDateIn(iso, zone) {
  const options = { weekday: "long", day: "numeric", month: "long", year: "numeric" };
  if (lang !== "fa") return format(iso, options, zone);
  const p = faParts(iso, options, zone);
  if (!p) return format(iso, options, zone);
  return digits([p.weekday, p.day, p.month, p.year].join(" "));
}

export function formatDate(iso) {
  return formatDateIn(iso);
}

// A bare date (YYYY-MM-DD) is a calendar day, not an instant: read and show it in UTC so
// neither the browser's zone nor the site's can move it to the day before or after.
export function formatDay(isoDay) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDay || "")) return "";
  return formatDateIn(isoDay + "T12:00:00Z", "UTC");
}

export function formatTime(iso) {
  const options = { hour: "2-digit", minute: "2-digit", hour12: false };
  if (lang !== "fa") return format(iso, options);
  const p = faParts(iso, options);
  return p ? digits(p.hour + ":" + p.minute) : format(iso, options);
}

export function formatDateTime(iso) {
  const options = { day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", hour12: false };
  if (lang !== "fa") return format(iso, options);
  const p = faParts(iso, options);
  if (!p) return format(iso, options);
  return p.day + " " + p.month + "، " + digits(p.hour + ":" + p.minute);
}

export function localName(obj, field) {
  if (!obj) return "";
  const en = obj[(field || "name") + "_en"];
  return lang === "en" && en ? en : obj[field || "name"];
}

// "Name, title" of an official, as staff lists show it.
export function officialLabel(official) {
  if (!official) return "";
  return t("official_title", { name: official.name, title: localName(official, "title") });
}
