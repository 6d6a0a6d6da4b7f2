// Yasr's "network" view: for results whose first two columns are IRIs (e.g. the dependency map,
// institution -> institution), a node per IRI and an edge per row, weighted by the first numeric
// column after them; drawn by Cytoscape (graph.js, loaded on first use).

import { columnsWhere, isIri, isNumber, labelColumn, shortName, table } from "./results.js";
import { ResultsView } from "./view.js";

/** {nodes, edges} of the results, or null when the first two columns are not IRIs. */
export function networkOf(yasr) {
  const data = table(yasr);
  if (!data || data.variables.length < 2) return null;
  const [from, to] = data.variables;
  const iris = columnsWhere(data, isIri);
  if (!iris.includes(from) || !iris.includes(to)) return null;
  const weight = columnsWhere(data, isNumber).find((name) => name !== from && name !== to);
  const nodes = new Map();
  const edges = [];
  const node = (row, variable) => {
    const iri = row[variable].value;
    const label = row[labelColumn(data.variables, variable)];
    if (!nodes.has(iri) || label) nodes.set(iri, { id: iri, label: label ? label.value : shortName(iri) });
    return iri;
  };
  for (const row of data.rows) {
    if (!row[from] || !row[to]) continue;
    const edge = { source: node(row, from), target: node(row, to) };
    if (weight && row[weight]) edge.weight = Number(row[weight].value);
    edges.push(edge);
  }
  return { nodes: [...nodes.values()], edges };
}

export function networkPlugin(messages) {
  return class NetworkPlugin extends ResultsView {
    constructor(yasr) {
      super(yasr, { label: messages.network, priority: 4, read: networkOf });
    }

    async draw() {
      const network = this.read(this.yasr);
      if (!network) return;
      const element = this.area("isoko-network");
      element.setAttribute("role", "img");
      element.setAttribute("aria-label", [
        messages.nodes.replace("{count}", network.nodes.length),
        messages.edges.replace("{count}", network.edges.length),
      ].join(", "));
      const { drawNetwork } = await import("./graph.js");
      this.cy = drawNetwork(element, network);
    }

    destroy() {
      this.cy?.destroy();
      this.cy = undefined;
    }
  };
}
