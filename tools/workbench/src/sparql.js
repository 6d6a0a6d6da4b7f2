// YASGUI on /sparql, over the page's own form (sparql_endpoint/templates/sparql_form.html): the
// form stays in the page, hidden, and is what works without JavaScript. Queries go to our endpoint
// only; the query of the tab in view is kept in the address (`?example_query=`, which the server
// reads to fill the form: `?query=` would answer the results page instead), so every query is a
// link, and opening a link with a query runs it.

import Yasgui from "@zazuko/yasgui";
import "@zazuko/yasgui/build/yasgui.min.css";
import "./workbench.css";
import { chartPlugin } from "./chart-plugin.js";
import { COMPLETERS, registerCompleters } from "./completion.js";
import { networkPlugin } from "./network-plugin.js";

const GET_LIMIT = 1500; // characters of query sent in the URL (cacheable GET); longer ones are POSTed
const PARAMETER = "example_query";
const DOWNLOADS = {
  select: [["json", "SPARQL JSON"], ["xml", "SPARQL XML"], ["csv", "CSV"], ["tsv", "TSV"]],
  graph: [["ttl", "Turtle"], ["nt", "N-Triples"], ["jsonld", "JSON-LD"]],
};

const script = document.querySelector("script[data-workbench]");
const form = document.getElementById("query")?.form;
if (script && form) start(script.dataset, form).catch((error) => console.error("SPARQL workbench:", error));

async function start({ stylesheet, endpoint, workbench, vocabulary }, form) {
  const [{ examples, messages }] = await Promise.all([fetchJson(workbench), loadStylesheet(stylesheet)]);
  const endpointUrl = new URL(endpoint, location.href).href;

  registerCompleters(Yasgui.Yasqe, new URL(vocabulary, location.href).href);
  Yasgui.Yasr.registerPlugin("chart", chartPlugin(messages));
  Yasgui.Yasr.registerPlugin("network", networkPlugin(messages));

  const container = document.createElement("div");
  container.className = "isoko-workbench";
  form.before(container);
  container.append(examplesChooser(examples, messages, (example) => openExample(yasgui, example)));
  const yasgui = new Yasgui(container, {
    persistenceId: null, // no tabs kept in localStorage: the address carries the query
    populateFromUrl: false, // we read the address ourselves (PARAMETER)
    autofocus: false,
    tabName: messages.editor,
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: () => [], keys: [] },
    requestConfig: {
      endpoint: endpointUrl,
      method: (gui) => ((gui.getTab()?.getQuery() || "").length > GET_LIMIT ? "POST" : "GET"),
    },
    yasqe: {
      value: form.elements.query.value, autocompleters: [...COMPLETERS], persistenceId: null,
      // Tab moves the focus on (no keyboard trap); Ctrl-] and Ctrl-[ still indent.
      extraKeys: { Tab: false, "Shift-Tab": false },
      // The text itself takes the focus (not a hidden textarea): screen readers read it, and the
      // focus shows on it.
      inputStyle: "contenteditable",
    },
    yasr: { persistenceId: null, pluginOrder: ["table", "response", "chart", "network"] },
  });
  form.hidden = true;
  moveAddTabOutOfTabList(yasgui);
  window.isokoYasgui = yasgui;

  yasgui.on("query", (_gui, tab) => keepInAddress(tab.getQuery()));
  yasgui.on("tabSelect", (gui, tabId) => {
    const tab = gui.getTab(tabId);
    if (tab) keepInAddress(tab.getQuery());
  });
  yasgui.on("queryResponse", (_gui, tab) => showDownloads(tab, endpointUrl, messages));
  adaptMarkup(yasgui.rootEl, messages);
  // A link to a query (ours, or the server's `?example=<name>`): the form holds it, run it.
  const asked = new URLSearchParams(location.search);
  const example = examples.find((candidate) => candidate.name === asked.get("example"));
  if (example) yasgui.getTab().setName(example.title);
  if (example || asked.has(PARAMETER)) yasgui.getTab().query().catch(() => {});
}

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

/** Yasgui's and our styles, loaded here rather than by the page: only readers with JavaScript need them. */
function loadStylesheet(href) {
  return new Promise((resolve, reject) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.onload = resolve;
    link.onerror = () => reject(new Error(`${href}: not loaded`));
    document.head.append(link);
  });
}

/** A labelled select of the examples, their description, and a button opening the chosen one. */
function examplesChooser(examples, messages, open) {
  const section = document.createElement("div");
  section.className = "isoko-examples";
  const label = document.createElement("label");
  label.htmlFor = "isoko-example";
  label.textContent = messages.examples;
  const select = document.createElement("select");
  select.id = "isoko-example";
  select.add(new Option(messages.choose, ""));
  for (const example of examples) {
    const option = new Option(example.title, example.name);
    option.lang = example.lang;
    select.add(option);
  }
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = messages.open;
  const description = document.createElement("p");
  description.className = "isoko-example-description";
  description.setAttribute("aria-live", "polite");
  const chosen = () => examples.find((example) => example.name === select.value);
  select.addEventListener("change", () => {
    description.textContent = chosen()?.description || "";
    description.lang = chosen()?.lang || "";
  });
  button.addEventListener("click", () => { if (chosen()) open(chosen()); });
  section.append(label, select, button, description);
  return section;
}

/** Opens an example in a tab of its own (named by its title) and runs it. */
function openExample(yasgui, example) {
  const tab = yasgui.addTab(true, { name: example.title, yasqe: { value: example.query } });
  tab.query().catch(() => {}); // Yasr shows the error
}

function keepInAddress(query) {
  const address = new URL(location.href);
  address.searchParams.delete("example"); // the server would show that example, not this query
  address.searchParams.set(PARAMETER, query);
  history.replaceState(null, "", address);
}

/** Links to the same results from the endpoint in each format, under the tab's results. */
function showDownloads(tab, endpointUrl, messages) {
  const yasr = tab.getYasr();
  const yasqe = tab.getYasqe();
  if (!yasr || !yasqe) return;
  let bar = yasr.rootEl.querySelector(".isoko-downloads");
  if (!bar) {
    bar = document.createElement("p");
    bar.className = "isoko-downloads";
    yasr.headerEl.after(bar);
  }
  const kind = ["CONSTRUCT", "DESCRIBE"].includes(yasqe.getQueryType()) ? "graph" : "select";
  bar.replaceChildren(messages.download);
  for (const [format, name] of DOWNLOADS[kind]) {
    const link = document.createElement("a");
    const address = new URL(endpointUrl);
    address.searchParams.set("query", tab.getQuery());
    address.searchParams.set("format", format);
    link.href = address.href;
    link.textContent = name;
    link.download = `results.${format}`;
    bar.append(" ", link);
  }
}

/** A tablist holds tabs only (WAI-ARIA): Yasgui's "+" button goes beside it, in a bar of both. */
function moveAddTabOutOfTabList(yasgui) {
  const list = yasgui.rootEl.querySelector(".tabsList");
  const add = list?.querySelector("button.addTab");
  if (!add) return;
  const bar = document.createElement("div");
  bar.className = "isoko-tabbar";
  list.before(bar);
  bar.append(list, add);
}

/** Yasgui's elements adapted as they appear (tabs, results and their controls are drawn later):
 * accessible names for CodeMirror's input areas (the editor's, the raw response's) and the table's
 * page-size select; and no links to Yasgui's own documentation (English, on another site). */
function adaptMarkup(root, messages) {
  let pending = false;
  const name = () => {
    pending = false;
    for (const link of root.querySelectorAll(".yasr_external_ref_btn")) link.remove();
    for (const input of root.querySelectorAll(".CodeMirror :is(textarea, [contenteditable]):not([aria-label])")) {
      input.setAttribute("aria-label", input.closest(".yasr") ? messages.response : messages.editor);
    }
    for (const select of root.querySelectorAll("select.tableSizer:not([aria-label])")) {
      select.setAttribute("aria-label", messages.pageSize);
    }
  };
  new MutationObserver(() => {
    if (!pending) requestAnimationFrame(name);
    pending = true;
  }).observe(root, { childList: true, subtree: true });
  name();
}
