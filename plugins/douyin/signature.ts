import crypto from 'node:crypto';

/**
 * Douyin open platform, live-room data push (直播间数据开放 / 数据推送): every callback carries
 * `x-nonce-str`, `x-timestamp`, `x-roomid`, `x-msg-type` and `x-signature`. The signature is
 * base64(md5(k=v&k=v… over those four sorted by key, then the raw body, then the app secret)),
 * all UTF-8.
 * https://developer.open-douyin.com/docs/resource/zh-CN/interaction/develop/server/live-room-scope/data-open/data-open-desc
 * (algorithm and test vector: …/interaction/develop/server/user-team-select/viewer-data-query-dev)
 */
/**
 * The headers of the documentation's table, and only those: a proxy adds `x-forwarded-for`, a
 * tracer `x-request-id`, and signing whatever `x-` header arrived refused every such push.
 */
const SIGNED = ['x-msg-type', 'x-nonce-str', 'x-roomid', 'x-timestamp'] as const;

export function douyinSignature(headers: Partial<Record<string, string>>, body: string | Buffer, secret: string): string {
  const signed = SIGNED.filter((k) => headers[k] !== undefined)
    .map((k) => `${k}=${headers[k]}`)
    .join('&');
  return crypto.createHash('md5').update(signed).update(body).update(secret).digest('base64');
}

export function signatureMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
