import { relayPlugin } from './client.ts';

/** Any platform without an open chat API, through a capture tool that forwards JSON chat lines. */
export default relayPlugin('relay', '通用转发');
