// The demo store's catalog: a dozen products — digital goods, physical goods that ship, low-stock and
// out-of-stock items — with descriptions and images served by the store itself (so it works offline).
import type { Product } from '@acp/core';

export interface DemoProduct extends Product {
  /** Two colours for the generated product illustration. */
  palette: [string, string];
  /** A short word drawn on the illustration. */
  glyph: string;
}

export const DEMO_PRODUCTS: DemoProduct[] = [
  {
    id: 'ebook_mcp',
    name: 'Building MCP Servers (ebook)',
    description:
      'A practical 240-page guide to the Model Context Protocol: tools, resources, transports, auth and testing. PDF + EPUB, delivered by email.',
    unitAmount: 1999,
    currency: 'usd',
    fulfillment: 'digital',
    category: 'books',
    tags: ['ebook', 'mcp', 'programming', 'digital'],
    sku: 'BK-MCP-001',
    palette: ['#1e3a8a', '#60a5fa'],
    glyph: 'MCP',
  },
  {
    id: 'course_acp',
    name: 'Agentic Commerce Video Course',
    description:
      'Six hours of video on selling to AI agents: ACP checkout, Shared Payment Tokens, idempotency and webhooks. Lifetime access.',
    unitAmount: 4900,
    currency: 'usd',
    fulfillment: 'digital',
    category: 'courses',
    tags: ['course', 'video', 'acp', 'digital'],
    sku: 'CR-ACP-101',
    palette: ['#4c1d95', '#a78bfa'],
    glyph: 'ACP',
  },
  {
    id: 'font_humanist',
    name: 'Humanist Sans Font Family',
    description:
      'Twelve weights with italics, OpenType features and a desktop + web licence for one company.',
    unitAmount: 2900,
    currency: 'usd',
    fulfillment: 'digital',
    category: 'design',
    tags: ['font', 'typeface', 'design', 'digital'],
    sku: 'FT-HUM-012',
    palette: ['#0f172a', '#f59e0b'],
    glyph: 'Aa',
  },
  {
    id: 'mug_stoneware',
    name: 'Stoneware Coffee Mug',
    description: 'Hand-glazed 350 ml stoneware mug in speckled oat. Dishwasher and microwave safe.',
    unitAmount: 1800,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 40,
    category: 'kitchen',
    tags: ['mug', 'coffee', 'ceramic', 'gift'],
    sku: 'KT-MUG-350',
    palette: ['#78350f', '#fde68a'],
    glyph: 'MUG',
  },
  {
    id: 'tee_organic',
    name: 'Organic Cotton T-Shirt',
    description:
      'Heavyweight 220 gsm organic cotton, relaxed unisex fit, garment-dyed in charcoal. Sizes XS-XXL.',
    unitAmount: 2800,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 25,
    maxQuantityPerOrder: 10,
    category: 'apparel',
    tags: ['t-shirt', 'tee', 'cotton', 'clothing'],
    sku: 'AP-TEE-CHR',
    palette: ['#1f2937', '#9ca3af'],
    glyph: 'TEE',
  },
  {
    id: 'hoodie_zip',
    name: 'Heavyweight Zip Hoodie',
    description:
      'Brushed-back fleece, YKK zip, kangaroo pockets. Warm enough for autumn, light enough to pack.',
    unitAmount: 6400,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 12,
    category: 'apparel',
    tags: ['hoodie', 'sweatshirt', 'clothing'],
    sku: 'AP-HOD-NVY',
    palette: ['#172554', '#93c5fd'],
    glyph: 'ZIP',
  },
  {
    id: 'notebook_dotgrid',
    name: 'Dot-Grid Notebook A5',
    description: '192 numbered pages of 100 gsm fountain-pen-friendly paper, lay-flat binding, two ribbons.',
    unitAmount: 1450,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 60,
    category: 'stationery',
    tags: ['notebook', 'paper', 'journal'],
    sku: 'ST-NTB-A5D',
    palette: ['#14532d', '#86efac'],
    glyph: 'A5',
  },
  {
    id: 'keyboard_65',
    name: '65% Mechanical Keyboard',
    description:
      'Hot-swappable tactile switches, PBT keycaps, aluminium case, USB-C and Bluetooth. Only a few left.',
    unitAmount: 12900,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 3,
    maxQuantityPerOrder: 2,
    category: 'electronics',
    tags: ['keyboard', 'mechanical', 'electronics'],
    sku: 'EL-KBD-065',
    palette: ['#111827', '#f472b6'],
    glyph: 'KEY',
  },
  {
    id: 'headphones_wireless',
    name: 'Wireless Headphones',
    description:
      'Over-ear, active noise cancelling, 40-hour battery, multipoint Bluetooth 5.3, foldable case.',
    unitAmount: 8900,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 18,
    category: 'electronics',
    tags: ['headphones', 'audio', 'bluetooth', 'electronics'],
    sku: 'EL-HPH-ANC',
    palette: ['#0c4a6e', '#7dd3fc'],
    glyph: '♪',
  },
  {
    id: 'print_limited',
    name: 'Limited Screen Print (numbered)',
    description:
      'Three-colour screen print on 300 gsm cotton paper, signed and numbered, edition of 50. Sold out.',
    unitAmount: 4500,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 0,
    category: 'art',
    tags: ['print', 'poster', 'art'],
    sku: 'AR-PRT-050',
    palette: ['#7f1d1d', '#fca5a5'],
    glyph: 'ART',
  },
  {
    id: 'planter_selfwatering',
    name: 'Self-Watering Plant Pot',
    description:
      'Recycled-plastic planter with a two-week water reservoir and level indicator. 15 cm diameter.',
    unitAmount: 2400,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 30,
    category: 'home',
    tags: ['plant', 'pot', 'garden', 'home'],
    sku: 'HM-PLT-015',
    palette: ['#365314', '#bef264'],
    glyph: 'POT',
  },
  {
    id: 'tote_canvas',
    name: 'Canvas Tote Bag',
    description: 'Heavy 16 oz natural canvas with an inner pocket and long handles. Last units of this run.',
    unitAmount: 1600,
    currency: 'usd',
    fulfillment: 'physical',
    availableQuantity: 2,
    category: 'accessories',
    tags: ['bag', 'tote', 'canvas'],
    sku: 'AC-TOT-NAT',
    palette: ['#44403c', '#e7e5e4'],
    glyph: 'BAG',
  },
];

/** Products with absolute image URLs under `publicUrl` (images are served at `/images/<id>.svg`). */
export function catalogProducts(publicUrl: string): Product[] {
  const base = publicUrl.replace(/\/$/, '');
  return DEMO_PRODUCTS.map(({ palette: _p, glyph: _g, ...p }) => ({
    ...p,
    images: [`${base}/images/${p.id}.svg`],
  }));
}

const escapeXml = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** A 400×400 SVG illustration of a product (gradient, glyph, name). */
export function productSvg(id: string): string | undefined {
  const p = DEMO_PRODUCTS.find((x) => x.id === id);
  if (!p) return undefined;
  const [a, b] = p.palette;
  const words = p.name.split(' ');
  const lines: string[] = [];
  for (const w of words) {
    const last = lines.at(-1);
    if (last !== undefined && (last + w).length < 22) lines[lines.length - 1] = `${last} ${w}`;
    else lines.push(w);
  }
  const text = lines
    .slice(0, 3)
    .map(
      (l, i) =>
        `<text x="200" y="${300 + i * 28}" font-size="22" text-anchor="middle" fill="#fff">${escapeXml(l)}</text>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400" font-family="Helvetica, Arial, sans-serif">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${a}"/><stop offset="1" stop-color="${b}"/></linearGradient></defs>
<rect width="400" height="400" rx="24" fill="url(#g)"/>
<circle cx="200" cy="160" r="90" fill="rgba(255,255,255,0.18)"/>
<text x="200" y="180" font-size="56" font-weight="700" text-anchor="middle" fill="#fff">${escapeXml(p.glyph)}</text>
${text}
</svg>`;
}
