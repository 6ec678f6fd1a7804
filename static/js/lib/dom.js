/*
 * Elements and card templates. User data only ever goes in as text (textContent or text
 * nodes), never as HTML.
 *
 *   el(tag, attrs, children)   -> a small element (options, empty-list lines); never a card
 *   card(id)                   -> a fresh copy of the element in <template id=ID>: every card
 *                                 is drawn once, by the server's Jinja macro for that card
 *   slot(node, name)           -> the element marked data-slot=NAME in NODE (or NODE itself)
 *   fill(node, name, text)     -> that slot's text
 *   keep(node, name, shown)    -> drops every data-part=NAME element of NODE unless SHOWN
 *   setModifier(node, block, value) -> the class BLOCK--VALUE fills the card's empty BLOCK--
 *   pageData(id)               -> parsed <script type="application/json" id=ID>
 */

export function el(tag, attrs, children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([name, value]) => {
    if (value === null || value === undefined || value === false) return;
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  });
  (children || []).forEach((child) => {
    if (child === null || child === undefined || child === false) return;
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  });
  return node;
}

export function card(id) {
  const template = document.getElementById(id);
  if (!template) throw new Error("no <template id=" + id + ">");
  return template.content.firstElementChild.cloneNode(true);
}

export function slot(node, name) {
  if (node.getAttribute("data-slot") === name) return node;
  return node.querySelector('[data-slot="' + name + '"]');
}

export function fill(node, name, text) {
  const target = slot(node, name);
  if (target) target.textContent = text === null || text === undefined ? "" : String(text);
  return target;
}

export function keep(node, name, shown) {
  if (shown) return;
  node.querySelectorAll('[data-part="' + name + '"]').forEach((part) => part.remove());
}

export function setModifier(node, block, value) {
  // The template leaves the modifier empty ("badge--"); other modifiers of BLOCK stay.
  if (!node.classList.replace(block + "--", block + "--" + value)) node.classList.add(block + "--" + value);
}

// Drop every element of NODE marked data-verb whose verb is not in VERBS.
export function keepVerbs(node, verbs) {
  node.querySelectorAll("[data-verb]").forEach((part) => {
    if (verbs.indexOf(part.getAttribute("data-verb")) === -1) part.remove();
  });
}

export function pageData(id) {
  try {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  } catch (e) {
    return {};
  }
}

export function meta(name) {
  const node = document.querySelector('meta[name="' + name + '"]');
  return node ? node.getAttribute("content") : "";
}
