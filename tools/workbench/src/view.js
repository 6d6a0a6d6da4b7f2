// What Yasr asks of every results view (its "plugins"), for the chart and network views: a label,
// a priority, an icon (none: the label says it), whether the results can be shown (when
// `read(yasr)` finds what the view needs in them), and an area of the view's own to draw in.

export class ResultsView {
  constructor(yasr, { label, priority, read }) {
    this.yasr = yasr;
    this.label = label;
    this.priority = priority;
    this.read = read;
  }

  canHandleResults() {
    return this.read(this.yasr) !== null;
  }

  getIcon() {
    return undefined;
  }

  /** A new element of class `className` at the end of the results area. */
  area(className) {
    const element = document.createElement("div");
    element.className = className;
    this.yasr.resultsEl.appendChild(element);
    return element;
  }
}
