import { sampleRows, TABLE_SCHEMAS, type TableName, type TableQuery } from '../../tables/index.js';

type Filter = NonNullable<TableQuery['filter']>[number];

/** Words that name each table. */
const TABLE_WORDS: Record<TableName, RegExp> = {
  products: /\b(products?|items?|catalog(?:ue)?|goods)\b/,
  users: /\b(users?|customers?|people|accounts?|members?|sign-?ups?)\b/,
  sales: /\b(sales?|orders?|revenue|transactions?|purchases?)\b/,
};

/** A request to see records, not a question about them: "show…", "top 10…", "… by region", "… in Germany". */
const LISTING_CUE =
  /\b(show|list|display|table|give me|top|first|bottom|last|all|which|cheapest|most expensive|best|highest|lowest|newest|latest|oldest|by|in|from|over|under|above|below|active|inactive)\b/;

/** Words that name a sortable column, per table. */
const SORT_WORDS: Record<TableName, [RegExp, string][]> = {
  products: [
    [/\b(price|prices|cost|expensive|cheap|cheapest)\b/, 'price'],
    [/\b(rating|rated|ratings|stars?)\b/, 'rating'],
    [/\b(stock|inventory|available)\b/, 'stock'],
    [/\b(launch|launched|newest|latest|oldest|date)\b/, 'launched'],
    [/\bname\b/, 'name'],
  ],
  users: [
    [/\b(lifetime value|ltv|value|spend|spending)\b/, 'lifetime_value'],
    [/\b(sign-?up|signed up|joined|newest|latest|oldest|date)\b/, 'signup_date'],
    [/\bname\b/, 'name'],
  ],
  sales: [
    [/\b(revenue|amount|value|biggest|largest)\b/, 'revenue'],
    [/\b(quantity|units|volume)\b/, 'quantity'],
    [/\b(price|unit price)\b/, 'unit_price'],
    [/\b(date|recent|newest|latest|oldest)\b/, 'date'],
  ],
};

/** Columns whose values a request can name ("in Germany", "Electronics", "on the Pro plan"). */
const CATEGORY_COLUMNS: Record<TableName, string[]> = {
  products: ['category'],
  users: ['country', 'plan'],
  sales: ['region', 'country', 'category'],
};

/** The numeric column a bare amount ("under $100") refers to. */
const AMOUNT_COLUMN: Record<TableName, string> = {
  products: 'price',
  users: 'lifetime_value',
  sales: 'revenue',
};

/**
 * Understands requests for a sample table — "top 10 products by price", "users in Germany", "sales by
 * region", "cheapest electronics under $50", "active Pro users" — and turns them into a table query.
 * Undefined when the text asks for no table.
 */
export function parseTableRequest(text: string): TableQuery | undefined {
  const t = ` ${text.toLowerCase().replace(/[?!.,;]+/g, ' ')} `;
  // "cheapest electronics" names no table but a product category: that is the products table.
  const schema = pickTable(t) ?? (valueFilters('products', t).length > 0 ? 'products' : undefined);
  if (!schema || !LISTING_CUE.test(t)) return undefined;

  const filter: Filter[] = [];
  const values = valueFilters(schema, t);
  filter.push(...values);
  if (schema === 'users' && /\binactive\b/.test(t)) filter.push({ column: 'active', op: 'eq', value: false });
  else if (schema === 'users' && /\bactive\b/.test(t))
    filter.push({ column: 'active', op: 'eq', value: true });
  const amount =
    /\b(under|below|less than|cheaper than|over|above|more than|at least|at most)\s+\$?(\d+(?:\.\d+)?)/.exec(
      t,
    );
  if (amount?.[1] && amount[2]) {
    const op = /under|below|less|cheaper/.test(amount[1])
      ? 'lt'
      : amount[1] === 'at least'
        ? 'gte'
        : amount[1] === 'at most'
          ? 'lte'
          : 'gt';
    filter.push({ column: AMOUNT_COLUMN[schema], op, value: Number(amount[2]) });
  }

  const query: TableQuery = { schema };
  if (filter.length) query.filter = filter;

  // "by <column>": a category groups ("sales by region"), a number sorts ("products by price").
  const by = /\bby\s+([a-z][a-z ]*?)\s*$/.exec(t.trimEnd()) ?? /\bby\s+([a-z]+(?:\s[a-z]+)?)/.exec(t);
  const groupColumn = by?.[1] ? categoryColumnNamed(schema, by[1]) : undefined;
  const sortColumn = sortColumnIn(schema, by?.[1] ? ` ${by[1]} ` : t) ?? sortColumnIn(schema, t);
  const ascending = /\b(cheapest|lowest|bottom|least|oldest|smallest|ascending)\b/.test(t);
  if (groupColumn) {
    query.group_by = groupColumn;
    const additive: readonly string[] = TABLE_SCHEMAS[schema].additive;
    query.sort = {
      column: additive.includes(sortColumn ?? '') ? (sortColumn as string) : (additive[0] ?? 'count'),
      direction: 'desc',
    };
  } else if (sortColumn) {
    query.sort = { column: sortColumn, direction: ascending ? 'asc' : 'desc' };
  }

  const count =
    /\b(?:top|first|bottom|last)\s+(\d{1,3})\b/.exec(t) ??
    /\b(\d{1,3})\s+(?:\w+\s){0,2}?(?:products?|items?|users?|customers?|sales?|orders?)\b/.exec(t);
  if (count?.[1]) query.limit = Math.min(100, Math.max(1, Number(count[1])));
  else if (/\b(top|bottom|first|last)\b/.test(t)) query.limit = 10;
  return query;
}

function pickTable(t: string): TableName | undefined {
  let best: { table: TableName; at: number } | undefined;
  for (const table of Object.keys(TABLE_WORDS) as TableName[]) {
    const match = TABLE_WORDS[table].exec(t);
    // The first table named is the subject: "sales of products in Europe" shows sales.
    if (match && (!best || match.index < best.at)) best = { table, at: match.index };
  }
  return best?.table;
}

function valueFilters(schema: TableName, t: string): Filter[] {
  const filters: Filter[] = [];
  for (const column of CATEGORY_COLUMNS[schema]) {
    const values = [...new Set(sampleRows(schema).map((r) => String(r[column])))];
    // Longest first, so "United States" wins over a shorter value inside it.
    for (const value of values.sort((a, b) => b.length - a.length)) {
      if (new RegExp(`\\b${escape(value.toLowerCase())}\\b`).test(t)) {
        filters.push({ column, op: 'eq', value });
        break;
      }
    }
  }
  return filters;
}

function categoryColumnNamed(schema: TableName, words: string): string | undefined {
  const w = words.trim();
  return CATEGORY_COLUMNS[schema].find((c) => w.startsWith(c) || (c === 'category' && /^categor/.test(w)));
}

function sortColumnIn(schema: TableName, t: string): string | undefined {
  return SORT_WORDS[schema].find(([pattern]) => pattern.test(t))?.[1];
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
