import type { Row } from '../protocol/index.js';
import type { TableName } from './table-schemas.js';

/**
 * Deterministic sample datasets: the same rows on every machine and every start (a seeded PRNG, not
 * Math.random), so tests, docs and demos agree.
 */
const COUNTRIES: readonly { name: string; region: string; domain: string }[] = [
  { name: 'United States', region: 'North America', domain: 'us' },
  { name: 'Canada', region: 'North America', domain: 'ca' },
  { name: 'Mexico', region: 'Latin America', domain: 'mx' },
  { name: 'Brazil', region: 'Latin America', domain: 'br' },
  { name: 'Argentina', region: 'Latin America', domain: 'ar' },
  { name: 'Germany', region: 'Europe', domain: 'de' },
  { name: 'France', region: 'Europe', domain: 'fr' },
  { name: 'United Kingdom', region: 'Europe', domain: 'uk' },
  { name: 'Spain', region: 'Europe', domain: 'es' },
  { name: 'Italy', region: 'Europe', domain: 'it' },
  { name: 'Netherlands', region: 'Europe', domain: 'nl' },
  { name: 'Sweden', region: 'Europe', domain: 'se' },
  { name: 'Japan', region: 'Asia Pacific', domain: 'jp' },
  { name: 'India', region: 'Asia Pacific', domain: 'in' },
  { name: 'Australia', region: 'Asia Pacific', domain: 'au' },
  { name: 'Singapore', region: 'Asia Pacific', domain: 'sg' },
  { name: 'South Korea', region: 'Asia Pacific', domain: 'kr' },
  { name: 'Egypt', region: 'Middle East & Africa', domain: 'eg' },
  { name: 'Nigeria', region: 'Middle East & Africa', domain: 'ng' },
  { name: 'United Arab Emirates', region: 'Middle East & Africa', domain: 'ae' },
];

const CATALOG: readonly { category: string; names: readonly string[]; min: number; max: number }[] = [
  {
    category: 'Electronics',
    names: [
      'Aurora Laptop 14',
      'Pulse Wireless Earbuds',
      'Nimbus 4K Monitor',
      'Volt Power Bank',
      'Echo Smart Speaker',
      'Orbit Action Camera',
    ],
    min: 29,
    max: 1899,
  },
  {
    category: 'Home & Kitchen',
    names: [
      'Brew Master Coffee Maker',
      'Crisp Air Fryer',
      'Zen Ceramic Cookware Set',
      'Glow Table Lamp',
      'Pure Air Purifier',
    ],
    min: 19,
    max: 449,
  },
  {
    category: 'Sports & Outdoors',
    names: [
      'Trail Runner Shoes',
      'Summit Hiking Backpack',
      'Flex Yoga Mat',
      'Peak Insulated Bottle',
      'Ridge Camping Tent',
    ],
    min: 15,
    max: 399,
  },
  {
    category: 'Books',
    names: ['The Streaming Mind', 'Data at Scale', 'Quiet Systems', 'The Latency Handbook'],
    min: 9,
    max: 59,
  },
  {
    category: 'Office',
    names: ['Ergo Desk Chair', 'Focus Standing Desk', 'Inkwell Notebook Pack', 'Clarity Webcam HD'],
    min: 7,
    max: 799,
  },
  {
    category: 'Toys & Games',
    names: ['Galaxy Building Blocks', 'Puzzle Quest 1000', 'Robo Explorer Kit'],
    min: 12,
    max: 149,
  },
];

const FIRST = [
  'Ava',
  'Liam',
  'Mia',
  'Noah',
  'Sofia',
  'Lucas',
  'Emma',
  'Mateo',
  'Hana',
  'Arjun',
  'Chloe',
  'Kenji',
  'Amara',
  'Omar',
  'Elena',
  'Felix',
  'Priya',
  'Jonas',
  'Lea',
  'Diego',
  'Yuki',
  'Zara',
  'Ibrahim',
  'Ines',
];
const LAST = [
  'Smith',
  'Müller',
  'Garcia',
  'Rossi',
  'Dubois',
  'Tanaka',
  'Patel',
  'Silva',
  'Kim',
  'Johansson',
  'Okafor',
  'Haddad',
  'Novak',
  'Andersen',
  'Costa',
  'Nguyen',
  'Kowalski',
  'Schmidt',
];
const PLANS = ['Free', 'Free', 'Free', 'Pro', 'Pro', 'Team', 'Enterprise'];

/** mulberry32: a small, well-mixed 32-bit PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const money = (n: number) => Math.round(n * 100) / 100;
const day = (start: string, offsetDays: number) =>
  new Date(Date.parse(`${start}T00:00:00Z`) + offsetDays * 86_400_000).toISOString().slice(0, 10);

function products(): Row[] {
  const rand = prng(3);
  const rows: Row[] = [];
  for (const item of CATALOG) {
    for (const base of item.names) {
      for (const edition of [
        '',
        ' Plus',
        ' Pro',
        ' Lite',
        ' Max',
        ' Mini',
        ' Classic',
        ' Sport',
        ' Eco',
        ' Studio',
        ' Go',
        ' One',
      ]) {
        const price = money(item.min + (item.max - item.min) * rand() ** 2);
        rows.push({
          sku: `SKU-${String(rows.length + 1).padStart(4, '0')}`,
          name: `${base}${edition}`,
          category: item.category,
          price,
          stock: Math.floor(rand() * 500),
          rating: Math.round((2.5 + rand() * 2.5) * 10) / 10,
          launched: day('2019-01-01', Math.floor(rand() * 2400)),
        });
      }
    }
  }
  return rows;
}

function users(): Row[] {
  const rand = prng(2);
  const rows: Row[] = [];
  for (let i = 1; i <= 300; i++) {
    const first = pick(rand, FIRST);
    const last = pick(rand, LAST);
    const country = pick(rand, COUNTRIES);
    const plan = pick(rand, PLANS);
    const ascii = `${first}.${last}`
      .normalize('NFD')
      .replace(/[^A-Za-z.]/g, '')
      .toLowerCase();
    rows.push({
      user_id: `U-${String(i).padStart(4, '0')}`,
      name: `${first} ${last}`,
      email: `${ascii}${i}@example.${country.domain === 'uk' ? 'co.uk' : 'com'}`,
      country: country.name,
      plan,
      signup_date: day('2021-01-01', Math.floor(rand() * 1700)),
      active: rand() > 0.2,
      lifetime_value: plan === 'Free' ? 0 : money(rand() * (plan === 'Enterprise' ? 60_000 : 2_400)),
    });
  }
  return rows;
}

function sales(catalog: Row[]): Row[] {
  const rand = prng(1);
  const rows: Row[] = [];
  for (let i = 1; i <= 400; i++) {
    const product = pick(rand, catalog);
    const country = pick(rand, COUNTRIES);
    const quantity = 1 + Math.floor(rand() ** 3 * 20);
    const unit = Number(product.price);
    rows.push({
      order_id: `SO-${String(10_000 + i)}`,
      date: day('2025-01-01', Math.floor(rand() * 365)),
      region: country.region,
      country: country.name,
      product: product.name,
      category: product.category,
      quantity,
      unit_price: unit,
      revenue: money(unit * quantity),
    });
  }
  return rows.sort((a, b) => String(a.date).localeCompare(String(b.date)));
}

const PRODUCTS = products();
const DATA: Record<TableName, readonly Row[]> = {
  products: PRODUCTS,
  users: users(),
  sales: sales(PRODUCTS),
};

/** Every row of a sample table (do not mutate). */
export function sampleRows(table: TableName): readonly Row[] {
  return DATA[table];
}
