// Vega-Lite charts through vega-embed, evaluating Vega expressions with vega-interpreter instead of
// generated code: the page's Content-Security-Policy has no 'unsafe-eval'.

import embed from "vega-embed";
import { expressionInterpreter } from "vega-interpreter";

function encoding(mark, category, value) {
  if (mark === "pie") {
    return {
      theta: { field: "value", type: "quantitative", title: value },
      color: { field: "category", type: "nominal", title: category },
    };
  }
  return {
    x: { field: "category", type: "nominal", title: category, sort: null, axis: { labelLimit: 200 } },
    y: { field: "value", type: "quantitative", title: value },
  };
}

/** Draws `values` ([{category, value}]) as a bar, line or pie chart in `element` (SVG); returns the Vega view. */
export async function drawChart(element, { values, mark, category, value }) {
  const spec = {
    description: `${value} / ${category}`,
    data: { values },
    mark: { type: mark === "pie" ? "arc" : mark, tooltip: true, ...(mark === "line" ? { point: true } : {}) },
    encoding: encoding(mark, category, value),
    width: mark === "pie" ? 320 : "container",
    height: 320,
    autosize: { type: "fit", contains: "padding" },
  };
  const result = await embed(element, spec, {
    mode: "vega-lite", renderer: "svg", actions: false, ast: true, expr: expressionInterpreter,
  });
  return result.view;
}
