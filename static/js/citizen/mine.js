/* "My questions": remember tracking codes on this device and follow them live. */
import { trackedCard } from "../cards/public.js";
import { load, save } from "../lib/storage.js";
import { track } from "../lib/track.js";

const CODES_KEY = "liveqa.codes";
const MAX_CODES = 20;

const myList = document.querySelector('[data-testid="my-questions"]');
let tracker = null;

// Show Q (a question_tracking view) in "my questions", replacing its earlier card.
export function showTracked(q) {
  if (!myList || !q || !q.tracking_code) return;
  const fresh = trackedCard(q);
  const old = myList.querySelector('[data-testid="my-question"][data-code="' + q.tracking_code + '"]');
  if (old) myList.replaceChild(fresh, old);
  else myList.insertBefore(fresh, myList.firstChild);
  const section = document.querySelector('[data-role="mine-section"]');
  if (section) section.hidden = false;
}

export function rememberCode(code) {
  const codes = load(CODES_KEY, []).filter((c) => c !== code);
  codes.unshift(code);
  save(CODES_KEY, codes.slice(0, MAX_CODES));
}

// Follow a code asked just now.
export function follow(code) {
  if (tracker) tracker.add(code);
}

export function startTracking(data) {
  if (!myList) return;
  let codes = [];
  myList.querySelectorAll('[data-testid="my-question"]').forEach((node) => {
    codes.push(node.getAttribute("data-code"));
  });
  if (data.track) {
    codes = codes.concat(data.track);
    if (data.remember) data.track.forEach(rememberCode);
  } else {
    // The citizen page also follows codes this device remembers (asked, perhaps, elsewhere).
    codes = codes.concat(load(CODES_KEY, []));
    codes.forEach((c) => {
      if (load(CODES_KEY, []).indexOf(c) === -1) rememberCode(c);
    });
  }
  const unique = codes.filter((c, i) => c && codes.indexOf(c) === i);
  tracker = track(unique, showTracked);
}
