/**
 * Every error a client can see, declared once: a stable code (tests and clients match on it), an
 * HTTP status, and a message in Chinese first and English second. Responses carry
 * `{ error: { code, message, messageZh } }`; `message` is the English line.
 */
const catalogue = {
  AUTH_REQUIRED: [401, '需要管理令牌', 'Authorization: Bearer <admin token> is required'],
  AUTH_INVALID: [401, '管理令牌无效', 'the admin token is not valid'],
  SESSION_EXPIRED: [401, '登录已过期，请重新登录', 'the session has expired; log in again'],
  CSRF_INVALID: [403, '页面已过期，请刷新后再试', 'the CSRF token is missing or wrong'],
  LOGIN_THROTTLED: [429, '尝试次数太多，请一分钟后再试', 'too many wrong tokens; try again in a minute'],
  OVERLAY_TOKEN_INVALID: [401, '叠加层令牌无效', 'the overlay token does not open this room'],
  VALIDATION_FAILED: [400, '请求内容不合格', 'the request is not valid'],
  MALFORMED_JSON: [400, '请求不是合法的 JSON', 'the body is not valid JSON'],
  INVALID_UTF8: [400, '请求含有无效的 UTF-8 文字', 'the body is not valid UTF-8 text'],
  UNSUPPORTED_MEDIA_TYPE: [415, '不支持的内容类型', 'unsupported content type'],
  BODY_TOO_LARGE: [413, '请求内容太大', 'the request body is too large'],
  HEADERS_TOO_LARGE: [431, '请求地址或请求头太长', 'the request line or headers are too large'],
  NOT_FOUND: [404, '没有这个地址', 'no such route'],
  HOUSEHOLD_NOT_FOUND: [404, '农户不存在', 'no such household'],
  HOUSEHOLD_IN_USE: [409, '农户仍是商品的供货户，不能删除', 'the household still supplies products or has sales'],
  SOURCE_HOUSEHOLD_UNKNOWN: [422, '供货农户不存在', 'a source household does not exist'],
  SOURCE_DUPLICATE: [422, '同一农户在供货来源中出现了两次', 'a household appears twice in the sources'],
  PRODUCT_NOT_FOUND: [404, '商品不存在', 'no such product'],
  PRODUCT_CODE_TAKEN: [409, '商品编码已被占用', 'the product code is already taken'],
  PRODUCT_CODE_INVALID: [400, '商品编码只能是字母开头加数字，如 3、12、A1', 'a product code is up to 4 letters then 1–6 digits, like 3, 12, A1'],
  PRODUCT_IN_USE: [409, '商品已有订单，不能删除', 'the product has orders and cannot be deleted'],
  PHOTO_MISSING: [400, '请上传一张图片', 'upload one image file'],
  PHOTO_TOO_LARGE: [413, '图片太大', 'the photo is too large'],
  PHOTO_UNSUPPORTED_TYPE: [415, '只支持 JPEG、PNG、WebP、GIF 图片', 'only JPEG, PNG, WebP and GIF photos are accepted'],
  PHOTO_NOT_FOUND: [404, '图片不存在', 'no such photo'],
  ROOM_NOT_FOUND: [404, '直播间不存在', 'no such room'],
  ROOM_PLATFORM_UNKNOWN: [422, '没有这个平台的适配器', 'no adapter for this platform'],
  ROOM_CONFIG_INVALID: [400, '直播间的平台配置不合格', 'the room configuration is not valid for its platform'],
  ROOM_RATES_INVALID: [422, '平台费率与佣金率之和不能超过 1', 'platform fee rate plus commission rate cannot exceed 1'],
  ORDER_NOT_FOUND: [404, '订单不存在', 'no such order'],
  ORDER_STATUS_STEP: [409, '订单状态不能这样变更', 'the order cannot take this step in its life cycle'],
  CONFIRMATION_NOT_FOUND: [404, '待确认消息不存在', 'no such confirmation'],
  CONFIRMATION_DECIDED: [409, '这条消息已经处理过了', 'the confirmation was already decided'],
  MESSAGE_TIMESTAMP_INVALID: [400, '消息时间无效', 'the message timestamp is not valid'],
  PERIOD_INVALID: [400, '时间段无效', 'the period is not valid'],
  EXPORT_CRON_INVALID: [400, '定时导出的 cron 表达式无效', 'the export schedule is not a valid cron expression'],
  EXPORT_FILE_NOT_FOUND: [404, '导出文件不存在', 'no such export file'],
  IMPORT_INVALID: [422, '导入文件有错误，整份文件未导入', 'the import file has an error and nothing was imported'],
  IMPORT_MAPPING_MISSING: [422, '这个直播间还没有店铺订单的列映射', 'no shop column mapping is saved for this room'],
  CHAT_USER_NOT_FOUND: [404, '观众不存在', 'no such chat user'],
  HOOK_SIGNATURE_INVALID: [401, '平台回调签名不对', 'the platform callback signature does not match'],
  HOOK_ROOM_UNKNOWN: [404, '没有已连接的直播间对应这个回调', 'no connected room matches this callback'],
  POLICY_IMPORT_INVALID: [422, '知识库文件有错误，整份未导入', 'the knowledge-base file has an error and nothing was imported'],
  POLICY_ENTRY_NOT_FOUND: [404, '知识库条目不存在', 'no such knowledge-base entry'],
  POLICY_OUTSIDE_WORD: [400, '知识库不管的话题要写成两个字以上、说得出是什么事的词（不能是“怎么”“多少”这类问话词）', 'an outside subject must be a word of two characters or more that names a subject, not a question word'],
  POLICY_ENTRY_NOT_IN_FORCE: [409, '这个条目是草稿或不在有效期内，不能用来回答', 'the entry is a draft or not in force, so it cannot answer'],
  QUESTION_NOT_FOUND: [404, '问题不存在', 'no such question'],
  QUESTION_DECIDED: [409, '这个问题已经处理过了', 'the question was already answered or dismissed'],
  QUESTION_NOT_QUEUED: [409, '这句话不在待答队列里（不像是知识库管的问题）', 'the question never went to the queue (nothing in the knowledge base came close)'],
  INTERNAL: [500, '服务器内部错误', 'internal server error'],
  SHUTTING_DOWN: [503, '服务器正在关闭', 'the server is shutting down'],
  REDIS_UNAVAILABLE: [503, 'Redis 暂时无法连接，直播间状态暂不可读；下单不受影响', 'Redis is unreachable, so room state cannot be read now; orders are not affected'],
  DATABASE_UNAVAILABLE: [503, '数据库暂时无法连接，请稍后重试；未确认的操作没有生效', 'the database is unreachable; retry shortly (nothing unacknowledged took effect)'],
} as const satisfies Record<string, readonly [number, string, string]>;

export type ErrorCode = keyof typeof catalogue;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly messageZh: string;

  /**
   * `detail` names what was wrong (a field, a code); it is appended to both languages, or
   * `detailZh` to the Chinese one where the detail is a sentence.
   */
  constructor(code: ErrorCode, detail?: string, detailZh?: string) {
    const [status, zh, en] = catalogue[code];
    super(detail ? `${en}: ${detail}` : en);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = status;
    const shown = detailZh ?? detail;
    this.messageZh = shown ? `${zh}：${shown}` : zh;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, messageZh: this.messageZh } };
  }
}

/** The server cannot start as configured (an engine out of reach); the message says which and where. */
export class StartupError extends Error {
  override name = 'StartupError';
}
