// The dependency map of /analysis/dependencies as an interactive network (a classic script, loaded
// with <script defer>), when the page carries its data: <script type="application/json"
// id="network-data">{"nodes": [{"id", "label"}], "edges": [{"source", "target", "weight"}]}</script>
// and an element #network. What #network holds (the server's drawing, for readers without
// JavaScript) is replaced, and its accessible name kept: the <title> and <desc> of an SVG in it,
// unless #network has an aria-label of its own.

import { drawNetwork } from "./graph.js";

const data = document.getElementById("network-data");
const container = document.getElementById("network");
if (data && container) {
  const drawing = container.querySelector("svg");
  const name = drawing && [drawing.querySelector("title"), drawing.querySelector("desc")]
    .filter(Boolean).map((element) => element.textContent.trim()).join(" ");
  container.replaceChildren();
  container.classList.add("isoko-network");
  if (!container.hasAttribute("aria-label") && name) container.setAttribute("aria-label", name);
  if (container.hasAttribute("aria-label")) container.setAttribute("role", "img");
  window.isokoNetwork = drawNetwork(container, JSON.parse(data.textContent));
}
