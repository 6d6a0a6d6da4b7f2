// A directed, weighted network drawn by Cytoscape: pan, zoom and drag; a click on a node
// highlights its links and neighbours, a click elsewhere clears it. Shared by the SPARQL
// workbench's network view and the dependency-map page (network.js).

import cytoscape from "cytoscape";

const STYLE = [
  { selector: "node", style: {
    label: "data(label)", "background-color": "#1d5a8c", color: "#1b1b1b", "font-size": 12,
    "text-valign": "bottom", "text-margin-y": 4, "text-wrap": "wrap", "text-max-width": 160, width: 18, height: 18 } },
  { selector: "edge", style: {
    width: "data(width)", "line-color": "#7a8a99", "target-arrow-color": "#7a8a99",
    "target-arrow-shape": "triangle", "curve-style": "bezier", label: "data(text)", "font-size": 11 } },
  { selector: ".faded", style: { opacity: 0.15 } },
  { selector: "node.highlighted", style: { "background-color": "#b3261e" } },
  { selector: "edge.highlighted", style: { "line-color": "#b3261e", "target-arrow-color": "#b3261e" } },
];

/** Draws {nodes: [{id, label}], edges: [{source, target, weight?}]} in `container`; returns the
 * Cytoscape instance. The container says how much it drew in data-nodes and data-edges. */
export function drawNetwork(container, { nodes, edges }) {
  const heaviest = Math.max(1, ...edges.map((edge) => edge.weight || 1));
  const elements = [
    ...nodes.map((node) => ({ data: { id: node.id, label: node.label || node.id } })),
    ...edges.map((edge, index) => ({ data: {
      id: `edge-${index}`, source: edge.source, target: edge.target,
      width: 1 + 7 * ((edge.weight || 1) / heaviest), text: edge.weight === undefined ? "" : String(edge.weight),
    } })),
  ];
  // Cytoscape draws in the container's box, positioned
  if (!container.clientHeight) container.style.height = "28rem";
  if (getComputedStyle(container).position === "static") container.style.position = "relative";
  const cy = cytoscape({
    container, elements, style: STYLE, minZoom: 0.2, maxZoom: 1.5,
    layout: { name: nodes.length > 1 ? "cose" : "grid", animate: false, nodeDimensionsIncludeLabels: true, padding: 30 },
  });
  cy.on("tap", "node", (event) => {
    const near = event.target.closedNeighborhood();
    cy.elements().removeClass("highlighted").addClass("faded");
    near.removeClass("faded").addClass("highlighted");
  });
  cy.on("tap", (event) => {
    if (event.target === cy) cy.elements().removeClass("faded highlighted");
  });
  container.dataset.nodes = String(cy.nodes().length);
  container.dataset.edges = String(cy.edges().length);
  return cy;
}
