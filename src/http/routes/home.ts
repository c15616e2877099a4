import type { FastifyPluginAsync } from 'fastify';

/**
 * The first page a newcomer opens: what is running and how to drive it. It holds no data and no
 * script, so it needs no login; the admin token is printed in the terminal that started the server.
 */
const page = (base: string) => `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>农播 Nongbo</title>
<style>
  body { font-family: system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; color: #1f2d1f; }
  h1 { color: #2f6b2f; margin-bottom: 0; }
  .en { color: #667; font-size: .9em; }
  code, pre { background: #f2f5ef; border-radius: 4px; }
  pre { padding: .8rem; overflow-x: auto; }
</style>
</head>
<body>
<h1>农播 Nongbo</h1>
<p>直播带货助手：把弹幕变成订单，把每一分钱记到种出货的农户名下。<br>
<span class="en">A livestream-commerce bot for farmers, village officials and cooperatives.</span></p>

<h2>服务已运行 <span class="en">The server is running</span></h2>
<p>管理令牌在启动服务的终端里（“管理令牌 Admin token”一行）。把它放进每个 <code>/api</code> 请求的
<code>Authorization: Bearer …</code> 头里。<br>
<span class="en">The admin token is printed in the terminal that started the server. Send it as a bearer token on every /api request.</span></p>

<h2>试一试 <span class="en">Try it</span></h2>
<pre>TOKEN=（终端里的管理令牌）
curl ${base}/api/health
curl -H "Authorization: Bearer $TOKEN" ${base}/api/households
curl -H "Authorization: Bearer $TOKEN" ${base}/api/products
curl -H "Authorization: Bearer $TOKEN" ${base}/api/rooms</pre>
<p>新增农户 <span class="en">Add a household</span>：</p>
<pre>curl -H "Authorization: Bearer $TOKEN" -H "content-type: application/json" \\
  -d '{"name":"王大山","village":"石板寨","povertyStatus":"monitored"}' ${base}/api/households</pre>
<p>接口说明见 README。<span class="en">The README lists every route.</span></p>
</body>
</html>
`;

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const home: FastifyPluginAsync = async (app) => {
  app.get('/', async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .header('x-content-type-options', 'nosniff')
      .send(page(escapeHtml(app.publicUrl()))),
  );
};

export default home;
