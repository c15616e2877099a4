import crypto from 'node:crypto';

/**
 * Douyin open platform, live-room data push (直播间数据开放 / 数据推送): every callback carries
 * `x-nonce-str`, `x-timestamp`, `x-roomid`, `x-msg-type` and `x-signature`. The signature is
 * base64(md5(k=v&k=v… over the other x- headers sorted by key, then the raw body, then the app
 * secret)), all UTF-8.
 * https://developer.open-douyin.com/docs/resource/zh-CN/interaction/develop/server/live-room-scope/data-open/data-open-desc
 * (algorithm and test vector: …/interaction/develop/server/user-team-select/viewer-data-query-dev)
 */
export function douyinSignature(headers: Record<string, string>, body: string | Buffer, secret: string): string {
  const signed = Object.keys(headers)
    .filter((k) => k !== 'x-signature' && k !== 'content-type')
    .sort()
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
