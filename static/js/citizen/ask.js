/* The ask form: sent with an idempotency key, the new question joins "my questions". */
import { displayCode } from "../cards/public.js";
import { api } from "../lib/api.js";
import { t } from "../lib/i18n.js";
import { idempotency } from "../lib/storage.js";
import { follow, rememberCode, showTracked } from "./mine.js";

const PENDING_KEY = "liveqa.pendingAsk";

export const form = document.getElementById("ask-form");
const formError = document.querySelector('[data-testid="form-error"]');

export function showFormError(message, field) {
  if (!formError) return;
  formError.textContent = message;
  formError.hidden = !message;
  if (form) {
    form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
    const names = { text: "text", name: "name", phone: "phone", category: "category_id", district: "district_id" };
    const input = field && names[field] ? form.elements[names[field]] : null;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }
}

function updateCounter() {
  const counter = document.getElementById("ask-text-count");
  if (!counter || !form) return;
  const max = Number(counter.getAttribute("data-max")) || 1000;
  const n = form.elements.text.value.length;
  counter.textContent = t("chars", { n: n, max: max });
  counter.classList.toggle("counter--near", n > max * 0.9);
}

const toastNode = document.querySelector('[data-role="toast"]');
let toastTimer = null;
export function toast(message) {
  if (!toastNode) return;
  toastNode.textContent = message;
  toastNode.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toastNode.hidden = true;
  }, 4000);
}

// Retrying an unchanged question after a network error reuses its key: never stored twice.
const askKeys = idempotency(PENDING_KEY);

export function setupForm(data) {
  if (!form) return;
  const button = form.querySelector('[data-testid="ask-submit"]');
  const sent = document.querySelector('[data-role="sent"]');
  form.elements.text.addEventListener("input", updateCounter);
  updateCounter();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = {
      text: form.elements.text.value,
      name: form.elements.name.value || null,
      category_id: form.elements.category_id.value ? Number(form.elements.category_id.value) : null,
      district_id: form.elements.district_id.value ? Number(form.elements.district_id.value) : null,
      phone: form.elements.phone.value || null,
    };
    if (!body.text.trim()) {
      showFormError(t("required"), "text");
      return;
    }
    const key = askKeys.key(body);
    form.elements.idempotency_key.value = key;
    body.idempotency_key = key;

    showFormError("");
    button.disabled = true;
    button.textContent = t("sending");
    api("POST", data.submit_url, body)
      .then((reply) => {
        askKeys.settle();
        const q = reply.question;
        form.reset();
        form.elements.idempotency_key.value = "";
        updateCounter();
        rememberCode(q.tracking_code);
        showTracked(q);
        follow(q.tracking_code);
        if (sent) {
          sent.querySelector('[data-testid="tracking-code"]').textContent = displayCode(q);
          sent.hidden = false;
          sent.setAttribute("tabindex", "-1");
          sent.focus();
        }
      })
      .catch((error) => {
        askKeys.settle(error);
        showFormError(error.message, error.field);
      })
      .then(() => {
        button.disabled = false;
        button.textContent = t("send");
      });
  });

  const copy = sent && sent.querySelector('[data-role="copy"]');
  if (copy) {
    copy.addEventListener("click", () => {
      const code = sent.querySelector('[data-testid="tracking-code"]').textContent;
      if (navigator.clipboard) navigator.clipboard.writeText(code).then(() => toast(t("copied")));
    });
  }
}
