// Autocompletion from our own vocabulary only (/sparql/vocabulary.json): Yasqe's default class and
// property completers ask lov.linkeddata.es, and its prefix completer its bundled list of
// prefix.cc; ours complete our prefixes and the classes and properties the served build uses.

import { shortName } from "./results.js";

export const COMPLETERS = ["variables", "isoko-prefixes", "isoko-classes", "isoko-properties"];

/** IRIs of `terms` that complete what was typed: a full IRI's beginning, or a local name's. */
function matching(terms, token) {
  const typed = (token && (token.autocompletionString || token.string) || "").trim();
  if (!typed) return [];
  const lower = typed.toLowerCase();
  return terms.map((term) => term.iri)
    .filter((iri) => iri.startsWith(typed) || shortName(iri).toLowerCase().startsWith(lower));
}

/** Registers our completers with Yasqe (`Yasgui.Yasqe`) and makes them the only ones enabled. */
export function registerCompleters(Yasqe, vocabularyUrl) {
  let loaded;
  const vocabulary = () => {
    loaded ??= fetch(vocabularyUrl).then((response) => {
      if (!response.ok) throw new Error(`${vocabularyUrl}: HTTP ${response.status}`);
      return response.json();
    }).catch((error) => {
      loaded = undefined; // try again on the next completion
      console.warn("No vocabulary for autocompletion:", error);
      return { prefixes: {}, classes: [], properties: [] };
    });
    return loaded;
  };
  Yasqe.forkAutocompleter("prefixes", {
    name: "isoko-prefixes",
    persistenceId: null,
    get: () => vocabulary().then(({ prefixes }) =>
      Object.entries(prefixes).map(([prefix, namespace]) => `${prefix}: <${namespace}>`).sort()),
  }, false);
  Yasqe.forkAutocompleter("class", {
    name: "isoko-classes",
    get: (_yasqe, token) => vocabulary().then(({ classes }) => matching(classes, token)),
  }, false);
  Yasqe.forkAutocompleter("property", {
    name: "isoko-properties",
    get: (_yasqe, token) => vocabulary().then(({ properties }) => matching(properties, token)),
  }, false);
  Yasqe.defaults.autocompleters.splice(0, Infinity, ...COMPLETERS);
}
