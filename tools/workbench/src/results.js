// Reading SPARQL SELECT results (the bindings Yasr parsed) for the chart and network views.

const XSD = "http://www.w3.org/2001/XMLSchema#";
const NUMERIC = new Set(["integer", "decimal", "double", "float", "long", "int", "short", "byte",
  "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
  "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"].map((name) => XSD + name));

/** The variables and rows of a Yasr's results, or null when they are not a table of bindings. */
export function table(yasr) {
  const results = yasr.results;
  if (!results || results.hasError() || results.getBoolean() !== undefined) return null;
  const variables = results.getVariables();
  const rows = results.getBindings();
  if (!variables || !variables.length || !rows || !rows.length) return null;
  return { variables, rows };
}

export function isNumber(value) {
  return Boolean(value) && value.type !== "uri" && NUMERIC.has(value.datatype);
}

export function isIri(value) {
  return Boolean(value) && value.type === "uri";
}

/** The variables whose every bound value passes `test` (and that are bound at least once). */
export function columnsWhere({ variables, rows }, test) {
  return variables.filter((name) => {
    const values = rows.map((row) => row[name]).filter(Boolean);
    return values.length > 0 && values.every(test);
  });
}

/** The last segment of an IRI (after #, / or :), what a node or a bar is named when nothing better is. */
export function shortName(iri) {
  const match = /[^#/:]+(?=[#/]?$)/.exec(iri);
  return match ? decodeURIComponent(match[0]) : iri;
}

/** A column of labels for `variable`: `<variable>_label`, `<variable>_name`, `<variable>Label`… */
export function labelColumn(variables, variable) {
  const wanted = ["_label", "_name", "_title", "Label", "Name", "Title"].map((suffix) => variable + suffix);
  return variables.find((name) => wanted.includes(name));
}
