import { relayPlugin } from '../relay/client.ts';

/**
 * Kuaishou's public open-platform documentation has no push of live-room comments that we could
 * find and cite (unlike Douyin's), so Kuaishou rooms read chat through a capture tool, exactly
 * like the `relay` adapter: `config.url` is the tool's websocket.
 */
export default relayPlugin('kuaishou', '快手');
