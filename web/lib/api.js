// The pages talk to the same JSON API as scripts do, with the login cookie instead of the admin
// token, and the session's CSRF token on every change. A 401 means the session is gone: log in.

let csrf;

async function session() {
  if (csrf) return csrf;
  const res = await fetch('/api/session', { credentials: 'same-origin' });
  if (res.status === 401) return toLogin();
  csrf = (await res.json()).csrfToken;
  return csrf;
}

function toLogin() {
  location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
  return new Promise(() => {});
}

export class ApiError extends Error {
  constructor(status, body) {
    // A proxy's or a stopped server's answer has no error body of ours: still say it in Chinese.
    super(body?.error?.messageZh ?? body?.error?.message ?? `服务器暂时无法处理（HTTP ${status}），请稍后重试`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = await session();
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    // fetch says only "Failed to fetch": the server is stopped or the network is gone.
    throw new ApiError(0, { error: { code: 'NETWORK', messageZh: '连不上农播服务器，请检查网络或稍后重试' } });
  }
  if (res.status === 401) return toLogin();
  if (res.status === 204) return undefined;
  const json = await res.json().catch(() => undefined);
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

export const get = (path) => api('GET', path);
export const post = (path, body = {}) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);

export async function logout() {
  await api('DELETE', '/api/session');
  location.assign('/login');
}

/** Ensures there is a session before the page draws anything. */
export const ready = session;
