// Yasr's "chart" view: a bar, line or pie chart of a column of numbers by a column of names, drawn
// by Vega-Lite (chart.js, loaded on first use so that the editor does not wait for Vega).

import { columnsWhere, isIri, isNumber, labelColumn, shortName, table } from "./results.js";
import { ResultsView } from "./view.js";

const MARKS = ["bar", "line", "pie"];
const MAX_ROWS = 200; // more categories than this make an unreadable chart: the table reads better

/** Which columns can be charted: numbers (values) and anything else (categories, names first). */
function chartable(yasr) {
  const data = table(yasr);
  if (!data) return null;
  const numbers = columnsWhere(data, isNumber);
  const others = data.variables.filter((name) => !numbers.includes(name));
  const names = others.filter((name) => !columnsWhere(data, isIri).includes(name));
  const categories = [...names, ...others.filter((name) => !names.includes(name))];
  return numbers.length && categories.length ? { data, numbers, categories } : null;
}

export function chartPlugin(messages) {
  return class ChartPlugin extends ResultsView {
    constructor(yasr) {
      super(yasr, { label: messages.chart, priority: 5, read: chartable });
      this.choice = { mark: "bar" };
    }

    async draw() {
      const found = this.read(this.yasr);
      if (!found) return;
      const { data, numbers, categories } = found;
      const choice = this.choice;
      if (!categories.includes(choice.category)) choice.category = categories[0];
      if (!numbers.includes(choice.value)) choice.value = numbers[0];
      this.drawControls({ mark: MARKS, category: categories, value: numbers });

      const names = labelColumn(data.variables, choice.category) || choice.category;
      const values = data.rows.slice(0, MAX_ROWS)
        .filter((row) => row[choice.value] && row[choice.category])
        .map((row) => ({
          category: row[names] ? (isIri(row[names]) ? shortName(row[names].value) : row[names].value) : "",
          value: Number(row[choice.value].value),
        }));
      const element = this.area("isoko-chart");
      const { drawChart } = await import("./chart.js");
      this.view = await drawChart(element, { values, mark: choice.mark, category: choice.category,
        value: choice.value });
    }

    drawControls(options) {
      const controls = this.yasr.pluginControls;
      controls.replaceChildren();
      for (const [key, choices] of Object.entries(options)) {
        const id = `isoko-chart-${key}`;
        const label = document.createElement("label");
        label.htmlFor = id;
        label.textContent = messages[key === "mark" ? "mark" : key];
        const select = document.createElement("select");
        select.id = id;
        for (const name of choices) {
          select.add(new Option(key === "mark" ? messages[name] : name, name, false, name === this.choice[key]));
        }
        select.addEventListener("change", () => {
          this.choice[key] = select.value;
          this.yasr.draw();
        });
        controls.append(label, select);
      }
    }

    destroy() {
      this.view?.finalize();
      this.view = undefined;
      this.yasr.pluginControls.replaceChildren();
    }
  };
}
