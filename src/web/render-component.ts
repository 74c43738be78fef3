import { type Column, type ComponentState, isNumericColumn } from '../client/index.js';

/** One card or table in an answer. Tables only append the rows they have not shown yet. */
export class ComponentView {
  readonly element: HTMLElement;
  #body: HTMLElement;
  #shownRows = 0;

  constructor(state: ComponentState) {
    this.element = document.createElement('figure');
    this.element.className = `component component-${state.kind}`;
    this.element.dataset.componentId = state.id;
    const caption = document.createElement('figcaption');
    caption.textContent = state.title;
    this.#body = document.createElement('div');
    this.element.append(caption, this.#body);
    if (state.kind === 'table') {
      const scroller = document.createElement('div');
      scroller.className = 'table-scroll';
      scroller.tabIndex = 0;
      scroller.setAttribute('role', 'region');
      scroller.setAttribute('aria-label', state.title);
      const table = document.createElement('table');
      const headRow = document.createElement('tr');
      for (const column of state.columns) {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = column.label;
        if (isNumericColumn(column.type)) th.className = 'num';
        headRow.append(th);
      }
      const thead = document.createElement('thead');
      thead.append(headRow);
      const tbody = document.createElement('tbody');
      table.append(thead, tbody);
      scroller.append(table);
      this.#body.replaceWith(scroller);
      this.#body = tbody;
    }
    this.update(state);
  }

  update(state: ComponentState): void {
    this.element.dataset.status = state.status;
    this.element.setAttribute('aria-busy', String(state.status !== 'complete'));
    if (state.kind === 'table') {
      for (const row of state.rows.slice(this.#shownRows)) {
        const tr = document.createElement('tr');
        for (const column of state.columns) {
          const td = document.createElement('td');
          td.textContent = formatCell(row[column.key], column);
          if (isNumericColumn(column.type)) td.className = 'num';
          tr.append(td);
        }
        this.#body.append(tr);
      }
      this.#shownRows = state.rows.length;
      return;
    }
    const list = document.createElement('dl');
    for (const [key, value] of Object.entries(state.data)) {
      const dt = document.createElement('dt');
      dt.textContent = key.replace(/_/g, ' ');
      const dd = document.createElement('dd');
      dd.textContent = typeof value === 'string' ? value : JSON.stringify(value);
      list.append(dt, dd);
    }
    this.#body.replaceChildren(list);
  }
}

const money = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' });
const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export function formatCell(value: unknown, column: Column): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (column.type === 'money') return money.format(value);
    return number.format(value);
  }
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
