// How money, time and people are shown: yuan from integer fen, Asia/Shanghai wall-clock time.

export function yuan(fen) {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function toFen(text) {
  const m = /^\s*(\d+)(?:\.(\d{1,2}))?\s*$/.exec(String(text));
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : NaN;
}

const SHANGHAI = 8 * 3600_000;

export function shanghai(iso) {
  if (!iso) return '';
  return new Date(new Date(iso).getTime() + SHANGHAI).toISOString().slice(0, 16).replace('T', ' ');
}

export function shanghaiDate(date = new Date()) {
  return new Date(date.getTime() + SHANGHAI).toISOString().slice(0, 10);
}

export const POVERTY = { none: '一般户', lifted: '脱贫户', monitored: '监测户' };

export const STATUS = {
  held: '待付款',
  waitlisted: '排队中',
  confirmed: '已付款',
  shipped: '已发货',
  completed: '已完成',
  cancelled: '已取消',
  expired: '已过期',
};

export const CONNECTION = { connecting: '连接中', live: '直播中', reconnecting: '重连中', stopped: '未连接', error: '出错' };
