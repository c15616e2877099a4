/**
 * The demo a newcomer clicks through on first start: a cooperative in a Miao village in the hills
 * of south-east Guizhou, its households, the products they pool, three rooms (a simulated selling
 * stream, one fed by hand, a simulated policy Q&A stream) and a policy knowledge base of 37
 * approved answers. Names, numbers and stories are invented for the demo; the knowledge base
 * sums up national policy as the development fixture does, and like any approved entry it answers
 * in every Q&A room until the cooperative sets it to draft or imports its own entries.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Household, HouseholdInput } from '../households/household.ts';
import { ROOT } from '../paths.ts';
import { readKnowledgeBase } from '../policy/entry.ts';
import { DEFAULT_LIMITS, newOverlayToken } from '../rooms/room.ts';
import type { Store } from '../store/store.ts';

const VILLAGE = '贵州省黔东南州雷岭县石板寨';

const HOUSEHOLDS: HouseholdInput[] = [
  { name: '杨光明', village: `${VILLAGE}一组`, phone: '13800000101', povertyStatus: 'lifted' },
  { name: '吴秀兰', village: `${VILLAGE}二组`, phone: '13800000102', povertyStatus: 'monitored' },
  { name: '潘德福', village: `${VILLAGE}二组`, phone: '13800000103', povertyStatus: 'lifted' },
  { name: '龙金花', village: `${VILLAGE}三组`, phone: '13800000104', povertyStatus: 'none' },
  { name: '石德贵', village: `${VILLAGE}三组`, phone: '13800000105', povertyStatus: 'monitored' },
  { name: '杨春燕', village: `${VILLAGE}一组`, phone: '13800000106', povertyStatus: 'lifted' },
];

/** Sources name households by their index in HOUSEHOLDS, with share weights. */
const PRODUCTS = [
  {
    code: '1',
    name: '高山红薯（5斤装）',
    unit: '箱',
    priceFen: 2990,
    stock: 200,
    story: '海拔千米的坡地上种的红薯，霜降以后才挖，放在地窖里发甜。杨光明家和吴秀兰家一起供货。',
    sources: [[0, 2], [1, 1]],
  },
  {
    code: '2',
    name: '林下土鸡蛋（30枚）',
    unit: '盒',
    priceFen: 4500,
    stock: 120,
    story: '鸡在茶山林下散养，白天吃虫吃草，晚上回笼。三户人家轮流捡蛋、照蛋、装盒。',
    sources: [[1, 1], [3, 1], [4, 1]],
  },
  {
    code: '3',
    name: '岩蜂土蜂蜜（500克）',
    unit: '瓶',
    priceFen: 6800,
    stock: 60,
    story: '潘德福在寨子后山的岩壁下养了二十多桶中华蜂，一年只割一次蜜，不喂糖。',
    sources: [[2, 3], [5, 1]],
  },
  {
    code: '5',
    name: '梯田稻花香米（10斤）',
    unit: '袋',
    priceFen: 5990,
    stock: 300,
    story: '梯田里稻鱼共生，鱼吃虫、稻养鱼，不打农药。四户人家的田连成一片，一起收、一起碾。',
    sources: [[0, 1], [3, 1], [4, 2], [5, 1]],
  },
  {
    code: '7',
    name: '野生刺梨原浆（6瓶）',
    unit: '箱',
    priceFen: 7900,
    stock: 80,
    story: '秋天上山采的野刺梨，当天压榨装瓶，酸里带甜，维生素C是橙子的几十倍。',
    sources: [[4, 1], [1, 1]],
  },
  {
    code: 'A1',
    name: '苗家红酸汤底料',
    unit: '袋',
    priceFen: 1880,
    stock: 150,
    story: '龙金花家祖传的做法：野番茄和辣椒在坛子里发酵一百天。',
    sources: [[3, 1]],
  },
] as const;

const SEEDED = 'demo_seeded_at';

/** The demo's rooms, in the order their ids come out: 1 sells (simulated), 2 is fed by hand, 3 is a policy Q&A stream. */
const ROOMS = [
  { name: '石板寨好物直播间（模拟）', platform: 'simulator', config: { rate: 2 }, platformFeeRate: 0.05, commissionRate: 0.1, qa: false },
  { name: '手动推送测试间', platform: 'push', platformFeeRate: 0.05, commissionRate: 0, qa: false },
  // Viewers' policy questions are answered from the knowledge base; unsure ones wait in the panel.
  { name: '乡村政策问答（模拟）', platform: 'simulator', config: { rate: 1 }, platformFeeRate: 0, commissionRate: 0, qa: true },
] as const;

/**
 * Seeds the demo on an empty database that has never held it. Returns whether it seeded, so a
 * restart (or a database the cooperative emptied on purpose) never gets a second copy.
 */
export async function seedDemo(store: Store): Promise<boolean> {
  // Instances of a scale-out deployment start together: one seeds, the others find it done or busy.
  let seeded = false;
  await store.exclusively('demo-seed', async () => {
    seeded = await seedOnce(store);
  });
  return seeded;
}

async function seedOnce(store: Store): Promise<boolean> {
  if (await store.settings.get(SEEDED)) return false;
  const [household] = await store.households.list({ limit: 1, offset: 0 });
  const [product] = await store.products.list({ limit: 1, offset: 0 });
  const [room] = await store.rooms.list({ limit: 1, offset: 0 });
  if (household || product || room) return false;

  const households: Household[] = [];
  for (const input of HOUSEHOLDS) households.push(await store.households.create(input));
  for (const { sources, ...product } of PRODUCTS) {
    await store.products.create({
      ...product,
      sources: sources.map(([index, share]) => ({ householdId: households[index]!.id, share })),
    });
  }
  for (const room of ROOMS) await store.rooms.create({ ...room, overlayToken: newOverlayToken(), limits: DEFAULT_LIMITS });
  // The same knowledge base as the development fixture (test/fixtures/policy-kb.zh.json).
  await store.policy.upsert(readKnowledgeBase(JSON.parse(fs.readFileSync(path.join(ROOT, 'src', 'demo', 'policy-kb.zh.json'), 'utf8'))));
  await store.settings.setIfAbsent(SEEDED, new Date().toISOString());
  return true;
}
